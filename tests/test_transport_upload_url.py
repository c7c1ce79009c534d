"""collection.upload_url: what is accepted, and that every refusal says why (without a password)."""

from __future__ import annotations

import pytest

from tui_inkasso.transport.upload_url import (
    UploadTarget,
    UploadUrlError,
    parse_upload_url,
    redact_url,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ftp://files.agency.se", UploadTarget("ftp", "files.agency.se", 21, None, "")),
        ("ftps://bob@files.agency.se/in/", UploadTarget("ftps", "files.agency.se", 21, "bob", "in")),
        ("sftp://bob@h.se:2222/a/b", UploadTarget("sftp", "h.se", 2222, "bob", "a/b")),
        ("SFTP://Bob@H.SE", UploadTarget("sftp", "h.se", 22, "Bob", "")),
        ("sftp://h.se//srv/inkasso", UploadTarget("sftp", "h.se", 22, None, "/srv/inkasso")),
        ("ftp://h.se/%2Fsrv/in", UploadTarget("ftp", "h.se", 21, None, "/srv/in")),
        ("ftp://h.se/till%20inkasso", UploadTarget("ftp", "h.se", 21, None, "till inkasso")),
        ("ftp://user%40corp@h.se", UploadTarget("ftp", "h.se", 21, "user@corp", "")),
        ("sftp://[::1]:2200/x", UploadTarget("sftp", "::1", 2200, None, "x")),
    ],
)
def test_accepted_urls(url: str, expected: UploadTarget) -> None:
    assert parse_upload_url(url) == expected


@pytest.mark.parametrize(
    "url",
    ["ftp://h.se", "sftp://bob@h.se:2222/a/b", "ftp://h.se/till%20inkasso", "sftp://[::1]:2200/x",
     "ftps://h.se//srv/in", "ftp://user%40corp@h.se"],
)
def test_canonical_url_round_trips(url: str) -> None:
    target = parse_upload_url(url)
    assert parse_upload_url(target.url) == target
    assert str(target) == target.url


def test_remote_path_joins_directory_and_name() -> None:
    assert parse_upload_url("ftp://h/in/").remote_path("a.txt") == "in/a.txt"
    assert parse_upload_url("ftp://h").remote_path("a.txt") == "a.txt"
    assert parse_upload_url("ftp://h//").remote_path("a.txt") == "/a.txt"


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("ftp://bob:Hemligt1@h.se/in", "innehåller ett lösenord"),
        ("ftp://bob:@h.se/in", "innehåller ett lösenord"),
        ("http://h.se/in", "'http://h.se/in' har det okända protokollet 'http'"),
        ("ftpes://h.se", "skriv ftps://"),
        ("scp://h.se", "skriv sftp://"),
        ("h.se/in", "'h.se/in' saknar protokoll"),
        ("ftp:///in", "saknar servernamn"),
        ("ftp://h.se:0/in", "port 0 är ingen giltig port"),
        ("ftp://h.se:99999/in", "porten ska vara ett tal 1–65535"),
        ("ftp://h.se:abc/in", "porten ska vara ett tal 1–65535"),
        ("ftp://h.se/in?x=1", "får inte innehålla '?' eller '#'"),
        ("ftp://h.se/in#x", "får inte innehålla '?' eller '#'"),
        ("ftp://h.se/a/../b", "sökvägen får inte innehålla '..'"),
        ("ftp://h.se/in%0D%0ADELE%20x", "sökvägen innehåller styrtecken"),
        ("ftp://a%0Ab@h.se/in", "användarnamnet innehåller styrtecken"),
        ("ftp://@h.se/in", "tomt användarnamn"),
        (" ftp://h.se", "mellanslag eller styrtecken"),
        ("", "uppladdningsadressen är tom"),
    ],
)
def test_refused_urls_say_why(url: str, fragment: str) -> None:
    with pytest.raises(UploadUrlError) as info:
        parse_upload_url(url)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "url",
    ["ftp://bob:Hemligt1@h.se/in", "ftp://bob:Hem/ligt1@h.se/in", "ftp://bob:He@mligt1@h.se/in",
     "sftp://bob:Hemligt1@h.se:abc/in"],
)
def test_password_never_in_the_message(url: str) -> None:
    with pytest.raises(UploadUrlError) as info:
        parse_upload_url(url)
    message = str(info.value)
    assert "ligt1" not in message and "Hem" not in message
    assert "bob:***@" in message


def test_password_refusal_tells_where_passwords_belong() -> None:
    with pytest.raises(UploadUrlError, match="TUI_INKASSO_UPLOAD_PASSWORD"):
        parse_upload_url("sftp://bob:x@h.se")


def test_redact_url_leaves_urls_without_password_alone() -> None:
    assert redact_url("sftp://bob@h.se/in") == "sftp://bob@h.se/in"
    assert redact_url("ftp://h.se/a:b") == "ftp://h.se/a:b"
    assert redact_url("ftp://bob:pw@h.se/x") == "ftp://bob:***@h.se/x"
