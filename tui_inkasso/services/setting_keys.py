"""The setting keys: what each is called, its default, and how a typed value is checked.

The same keys serve the CLI (`tui-inkasso settings`) and the settings screens. Each key has a
Swedish label, a default and a validator that returns the value in its one stored form (or raises
:class:`SettingError` with the reason). Later features add their keys to ``SETTINGS`` below;
nothing else needs to change for them to appear in the CLI and the screens (each ``group`` has
its screen under Inställningar, see ``screens/settings.py``). Reading and saving the values is
``services/settings.py``.

The reasons are in Swedish: staff read them next to the field on the settings screens and on the
command line. Reasons from other layers (upload URLs in ``transport/upload_url.py``, check digits
in ``domain/identifiers.py``, e-mail addresses) are Swedish at their source and passed on as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tui_inkasso.domain import aging, collection_systems, settlement
from tui_inkasso.domain.collection_systems import SYSTEMS
from tui_inkasso.domain.identifiers import IdentifierError, normalize_giro
from tui_inkasso.services.errors import UserError

if TYPE_CHECKING:
    pass



class SettingError(UserError, ValueError):
    """A setting key that does not exist, or a value that is refused; the message says why."""


@dataclass(frozen=True)
class SettingKey:
    """One setting: its key, what staff see, its default, and how a value is checked."""

    key: str
    label: str
    default: str
    validate: Callable[[str], str]
    help: str = ""
    """What the form shows under the field, for staff: what the setting does and what a value
    means, with choices by their names (CHOICE_LABELS), not their codes."""
    group: str = "Inkasso"
    choices: tuple[str, ...] = ()
    default_factory: Callable[[], str] | None = None
    """For a default that depends on the user (a folder in their documents): called when the
    default is needed, instead of ``default``."""

    def default_value(self) -> str:
        """The value the key has until one is stored."""
        return self.default_factory() if self.default_factory is not None else self.default


def _choice(*allowed: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        text = value.strip().lower()
        if text not in allowed:
            raise SettingError(f"ska vara en av {', '.join(allowed)}, inte {value!r}")
        return text

    return check


def _agency_accounts(value: str) -> str:
    """Bankgiro/plusgiro numbers separated by ';', each with a valid check digit."""
    numbers: list[str] = []
    for part in value.replace(",", ";").split(";"):
        if not part.strip():
            continue
        try:
            numbers.append(normalize_giro(part.strip()))
        except IdentifierError as exc:
            raise SettingError(str(exc)) from None
    return ";".join(dict.fromkeys(numbers))


OUTPUT_FOLDER_NAME = "tui-inkasso"
"""The default output folder's name, in the user's documents folder."""


def default_output_dir() -> str:
    """Where files go until a folder is set: ``tui-inkasso`` in the user's documents folder
    (``~/Dokument/tui-inkasso`` on a Swedish desktop, XDG's ``XDG_DOCUMENTS_DIR``; else
    ``~/Documents/tui-inkasso``). Absolute, so a run started from any directory, the app's and
    the daemon's alike, writes to the same place; created when the first file is written."""
    import platformdirs  # here: only needed when no folder is set

    return str(Path(platformdirs.user_documents_dir()) / OUTPUT_FOLDER_NAME)


def _output_folder(value: str) -> str:
    """A folder the files can be written to, stored as a whole path.

    A relative path is taken from the user's documents folder (never from the directory the
    program happens to be started in). The folder need not exist yet (it is created with the
    first file), but then the nearest folder above it that exists must let us create it."""
    import os

    text = value.strip()
    if not text:
        raise SettingError(f"en mapp måste anges (standard: {default_output_dir()})")
    if "\x00" in text:
        raise SettingError("sökvägen innehåller ett NUL-tecken")
    folder = Path(text).expanduser()
    if not folder.is_absolute():
        folder = Path(default_output_dir()).parent / folder
    folder = Path(os.path.normpath(folder))
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if existing == folder and not folder.is_dir():
        raise SettingError(f"{folder} är en fil, inte en mapp")
    if not existing.is_dir():
        raise SettingError(f"mappen {folder} kan inte skapas: {existing} är en fil")
    if not os.access(existing, os.W_OK | os.X_OK):
        if existing == folder:
            raise SettingError(f"du får inte skriva i mappen {folder}")
        raise SettingError(f"mappen {folder} kan inte skapas: du får inte skriva i {existing}")
    return str(folder)


def _optional_output_folder(value: str) -> str:
    """Empty (the setting's fallback), or a folder as :func:`_output_folder` takes it."""
    return _output_folder(value) if value.strip() else ""


def _upload_url(value: str) -> str:
    text = value.strip()
    if not text:
        return ""
    try:
        from tui_inkasso.transport.upload_url import parse_upload_url
    except ImportError:  # pragma: no cover - the transport layer ships with the package
        raise SettingError("uppladdning finns inte i den här installationen") from None
    try:
        parse_upload_url(text)
    except ValueError as exc:
        raise SettingError(str(exc)) from None
    return text


def _optional_path(value: str) -> str:
    return value.strip()


def _unix_group(value: str) -> str:
    """Empty, or a Unix group that exists and that this user belongs to (services.file_access)."""
    from tui_inkasso.services.file_access import group_problem  # grp: Unix only, and rarely needed

    name = value.strip()
    problem = group_problem(name)
    if problem is not None:
        raise SettingError(problem)
    return name


def _optional_file(value: str) -> str:
    """A file that may be set later; refused when it names a folder or contains NUL."""
    text = value.strip()
    if "\x00" in text:
        raise SettingError("sökvägen innehåller ett NUL-tecken")
    if text and Path(text).expanduser().is_dir():
        raise SettingError(f"{text} är en mapp, inte en fil")
    return text


def _optional_host(value: str) -> str:
    text = value.strip()
    if any(ch.isspace() or ord(ch) < 32 or ch in "/@:" for ch in text):
        raise SettingError(f"{text!r} är inget servernamn (inga mellanslag, '/', '@' eller ':'; porten anges för sig)")
    return text


def _port(value: str) -> str:
    try:
        port = int(value.strip())
    except ValueError:
        raise SettingError(f"{value.strip()!r} är inget portnummer (1–65535)") from None
    if not 1 <= port <= 65535:
        raise SettingError(f"{port} är inget portnummer (1–65535)")
    return str(port)


def _yes_no(value: str) -> str:
    text = value.strip().lower()
    if text in ("ja", "j", "yes", "y", "true", "1", "on"):
        return "ja"
    if text in ("nej", "n", "no", "false", "0", "off"):
        return "nej"
    raise SettingError(f"ska vara ja eller nej (eller true/false), inte {value!r}")


def _optional_user(value: str) -> str:
    text = value.strip()
    if any(ord(ch) < 32 for ch in text):
        raise SettingError("användarnamnet innehåller styrtecken")
    return text


def _optional_email(value: str) -> str:
    from tui_inkasso.domain.email_address import EmailAddressError, normalize_email

    if not value.strip():
        return ""
    try:
        return normalize_email(value)
    except EmailAddressError as exc:
        raise SettingError(str(exc)) from None


def _amount_kr(value: str) -> str:
    """An amount in kronor ("60", "60,00", "1 000.50"), not negative, stored as "60.00"."""
    from tui_inkasso.domain.money import MoneyError, format_amount, parse_amount

    try:
        ore = parse_amount(value)
    except MoneyError:
        raise SettingError(f"{value.strip()!r} är inget belopp i kronor (t.ex. 60 eller 60,00; högst två decimaler)") from None
    if ore < 0:
        raise SettingError(f"beloppet får inte vara negativt: {value.strip()!r}")
    return format_amount(ore)


def _fee_cap(kind_code: str) -> Callable[[str], str]:
    """An amount like :func:`_amount_kr` that is no higher than the statutory ceiling of the fee
    ``kind_code`` (``domain.fee_ceilings.FeeKind``) in force today: a setting may lower the fee
    the law allows, never raise it (lag (1981:739) 4 §)."""

    def check(value: str) -> str:
        from tui_inkasso.domain.fee_ceilings import FeeKind, fee_problem
        from tui_inkasso.domain.money import parse_amount
        from tui_inkasso.services.clock import today

        text = _amount_kr(value)
        reason = fee_problem(FeeKind(kind_code), parse_amount(text), today())
        if reason:
            raise SettingError(reason)
        return text

    return check


def _rent_notice(value: str) -> str:
    """Which SFI categories' rent letters carry the sentence of 12 kap. 42 § jordabalken
    ("bostad=bostad, ovriga=lokal"), stored in the categories' order (domain.rent_notice)."""
    from tui_inkasso.domain.rent_notice import format_rent_notice_setting, parse_rent_notice_setting

    try:
        return format_rent_notice_setting(parse_rent_notice_setting(value))
    except ValueError as exc:
        raise SettingError(str(exc)) from None


def _aging_limits(value: str) -> str:
    try:
        return aging.limits_text(aging.parse_limits(value))
    except ValueError as exc:
        raise SettingError(str(exc)) from None


def _stalled_days(value: str) -> str:
    text = value.strip()
    if not text.isdigit() or not 1 <= int(text) <= 3650:
        raise SettingError(f"ska vara ett antal dagar mellan 1 och 3650, inte {value!r}")
    return str(int(text))


def _printer(value: str) -> str:
    """An ``lp -d`` destination: letters, digits, "-", "_", "." and "@" (CUPS names), or empty."""
    text = value.strip()
    if any(not (ch.isalnum() or ch in "-_.@") for ch in text):
        raise SettingError(f"{text!r} är inget skrivarnamn (bokstäver, siffror, - _ . @; inga mellanslag)")
    return text


CHOICE_LABELS = {
    **{spec.code: spec.choice_label for spec in SYSTEMS},
    **settlement.ORDER_LABELS,
    "ja": "Ja",
    "nej": "Nej",
}
"""Swedish names for choice values (the forms' dropdowns, the audit log); a value without one is
shown as it is. The stored value, and what ``tui-inkasso settings set`` takes, is the code."""


def _system_help() -> str:
    """The collection system's help text, naming each system the registry has."""
    parts = []
    for output, does in (("register", "håller ärendena här i programmet"), ("agency_file", "får en fil med ärendena"),
                         ("excel", "ger ett underlag i Excel")):
        names = [s.label if output == "register" else s.choice_label for s in SYSTEMS if s.output == output]
        if names:
            listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} och {names[-1]}"
            parts.append(f"{listed} {does}")
    return f"Vad Inkasso gör av fakturorna: {', '.join(parts)}."


SETTINGS: dict[str, SettingKey] = {
    s.key: s
    for s in [
        SettingKey(
            "collection.system",
            "Inkassosystem",
            collection_systems.DEFAULT,
            _choice(*collection_systems.CODES),
            _system_help(),
            choices=collection_systems.CODES,
        ),
        SettingKey(
            "collection.agency_accounts",
            "Inkassobolagets bankgiro/plusgiro",
            "",
            _agency_accounts,
            "Inbetalningar i en betalfil från de här numren bokas som betalningar via inkassobolaget. "
            "Flera nummer skiljs med semikolon (;).",
        ),
        SettingKey(
            "collection.output_dir",
            "Mapp för inkassofiler",
            "",
            _output_folder,
            "Där inkassofiler, saldofiler, Excelunderlag och (utan egen mapp) breven sparas; mappen "
            "skapas när den första filen skrivs. Standard: tui-inkasso i din dokumentmapp. En relativ "
            "sökväg räknas från dokumentmappen.",
            default_factory=default_output_dir,
        ),
        SettingKey(
            "collection.upload_url",
            "FTP-server (ftp://, ftps://, sftp://)",
            "",
            _upload_url,
            "Inkassobolagets server, t.ex. sftp://användare@server/inkorg; filerna skickas dit direkt "
            "när de skapas. Tomt = filerna skickas inte. Skriv inget lösenord i adressen.",
        ),
        SettingKey(
            "collection.upload_password_file",
            "Fil med lösenord för FTP-servern",
            "",
            _optional_path,
            "En fil som bara innehåller lösenordet och bara får läsas av ägaren (chmod 600). "
            "Tomt = inget lösenord.",
        ),
        SettingKey(
            "collection.upload_key_file",
            "Privat nyckel för SFTP",
            "",
            _optional_file,
            "Nyckelfilen för inloggning på en sftp://-server (chmod 600). Tomt = logga in med lösenord.",
        ),
        SettingKey(
            "collection.upload_ca_file",
            "CA-certifikat för FTPS",
            "",
            _optional_file,
            "Inkassobolagets eget CA-certifikat (PEM) för en ftps://-server. Tomt = datorns vanliga "
            "certifikat.",
        ),
        SettingKey(
            "collection.upload_known_hosts",
            "Fil med kända SFTP-servrar (known_hosts)",
            "",
            _optional_file,
            "Serverns nyckel kontrolleras mot den här filen. Tomt = ~/.config/tui-inkasso/known_hosts; "
            "en ny server läggs till med kommandot tui-inkasso trust-host.",
        ),
        SettingKey("mail.host", "E-postserver (SMTP)", "", _optional_host,
                   "Servern som skickar e-post om schemalagda körningar. Tomt = ingen e-post skickas.",
                   group="E-post"),
        SettingKey("mail.port", "Port för e-postservern", "587", _port,
                   "Oftast 587 (med STARTTLS) eller 25.", group="E-post"),
        SettingKey("mail.starttls", "Kryptera med STARTTLS", "ja", _yes_no,
                   "Ja krypterar förbindelsen till e-postservern. Nej bara för en server på samma dator.",
                   group="E-post", choices=("ja", "nej")),
        SettingKey("mail.user", "Användare på e-postservern", "", _optional_user,
                   "Tomt = ingen inloggning. Lösenordet läses från miljövariabeln "
                   "TUI_INKASSO_SMTP_PASSWORD, aldrig härifrån.", group="E-post"),
        SettingKey("mail.sender", "Avsändaradress", "", _optional_email,
                   "Adressen som e-post om körningar skickas från, t.ex. ekonomi@exempel.se.",
                   group="E-post"),
        SettingKey("daemon.log_file", "Loggfil för tjänsten (daemon)", "", _optional_file,
                   "Där tjänsten som kör schemalagda körningar skriver sin logg. Tomt = bara systemets "
                   "logg (journald).", group="Tjänster"),
        SettingKey("files.group", "Grupp som delar filerna", "", _unix_group,
                   "Unix-gruppen för personalen som använder programmet. Gruppen får då läsa "
                   "inkassofilerna, saldofilerna, Excelunderlagen, breven, SIE-filerna och loggen (0640) "
                   "och skriva i databasen (0660) och mapparna (2770). Tomt = bara den som skapade "
                   "filen (0600, mappar 0700). Andra användare på servern får aldrig läsa dem. "
                   "Se README, Dela filerna med en grupp.", group="Tjänster"),
        SettingKey("dunning.min_amount", "Lägsta belopp för påminnelse (kr)", "0.00", _amount_kr,
                   "En faktura med lägre saldo får ingen påminnelse", group="Påminnelse/krav"),
        SettingKey("dunning.reminder_fee_cap", "Högsta påminnelseavgift (kr)", "60.00", _fee_cap("reminder"),
                   "Högst 60 kr enligt lag (1981:739) 4 §; ett lägre belopp går att ange, ett högre "
                   "inte. Tas bara ut där avtalet medger det, högst en gång per faktura.",
                   group="Påminnelse/krav"),
        SettingKey("dunning.demand_fee_cap", "Högsta inkassoavgift (kr)", "180.00", _fee_cap("collection"),
                   "Högst 180 kr enligt lag (1981:739) 4 §; ett lägre belopp går att ange, ett högre "
                   "inte. Tas bara ut på ett inkassokrav, högst en gång per fordran.",
                   group="Påminnelse/krav"),
        SettingKey("dunning.rent_notice", "Hyresrad i breven (jordabalken 12 kap. 42 §)",
                   "bostad=bostad, ovriga=lokal", _rent_notice,
                   "Vilka objekt (SFI-kategori) vars hyresbrev får raden om förverkande: kategori=bostad "
                   "eller kategori=lokal, kommaseparerat. Standard: bostäder och lokaler. Parkering, "
                   "lager och garage bara om de anges (t.ex. garage=lokal för ett garage i ett hus); "
                   "tomt = ingen hyresrad.", group="Påminnelse/krav"),
        SettingKey("dunning.printer", "Skrivare för återutskrift (lp)", "", _printer,
                   "Namnet i lp -d; tomt = ingen skrivare, bara PDF", group="Påminnelse/krav"),
        SettingKey("dunning.letters_dir", "Mapp för påminnelser och krav (PDF)", "", _optional_output_folder,
                   "Tomt = mappen för inkassofiler/brev", group="Påminnelse/krav"),
        SettingKey("payments.import_dir", "Mapp för betalfiler (BgMax, Total IN)", "", _optional_path,
                   "Mappen som filväljaren i Läs in betalfil öppnar först. Tomt = din hemkatalog.",
                   group="Betalningar"),
        SettingKey("payments.settlement_order", "Avräkningsordning", "costs_interest_capital",
                   _choice(*settlement.ORDERS), "Vad en betalning betalar först när fakturan har "
                   "avgifter och ränta: kostnader, ränta, kapital (inkassopraxis) eller kapital först "
                   "(hyran först, NJA 2013 s. 1190). Se docs/dunning.md.", group="Betalningar",
                   choices=tuple(settlement.ORDERS)),
        SettingKey("payments.late_interest_min", "Lägsta ränta att debitera efter sen betalning (kr)",
                   "50.00", _amount_kr, "Dröjsmålsränta som löpt efter sista brevet till en betalning "
                   "efter brevets förfallodag debiteras (läggs som öppen ränta på fakturan) när den är "
                   "minst så här mycket, annars skrivs den av. Med 0 debiteras all sådan ränta.",
                   group="Betalningar"),
        SettingKey("reports.aging_buckets", "Åldersintervall i åldersanalysen (dagar)", "30,60,90,180",
                   _aging_limits, "Gränserna i dagar efter förfallodagen, med komma emellan: "
                   "30,60,90,180 ger 1–30, 31–60, 61–90, 91–180 och över 180 dagar (och ej förfallet). "
                   "Högst 8 gränser, i stigande ordning.", group="Rapporter"),
        SettingKey("reports.stalled_days", "Ärende utan händelse i (dagar)", "30", _stalled_days,
                   "Inkassoöversikten listar öppna ärenden i det egna ärenderegistret som inte haft "
                   "någon händelse på så här många dagar, så att någon tar tag i dem.", group="Rapporter"),
    ]
}


def setting_key(key: str) -> SettingKey:
    """The definition of ``key``, or a SettingError naming the known keys."""
    try:
        return SETTINGS[key]
    except KeyError:
        raise SettingError(f"okänd inställning {key!r}; kända: {', '.join(sorted(SETTINGS))}") from None


def display_value(key: str, value: str) -> str:
    """A stored value as staff read it: a choice by its name, an amount with a decimal comma,
    nothing as "(tomt)". For the audit log, which keeps what was stored."""
    if value == "":
        return "(tomt)"
    if value in CHOICE_LABELS and key in SETTINGS and SETTINGS[key].choices:
        return CHOICE_LABELS[value]
    if key in SETTINGS and SETTINGS[key].validate is _amount_kr:
        return value.replace(".", ",")
    return value




def validate_setting(key: str, value: str) -> str:
    """The value as it would be stored, or a SettingError with the reason."""
    definition = setting_key(key)
    try:
        return definition.validate(str(value))
    except SettingError as exc:
        raise SettingError(f"{key}: {exc}") from None

