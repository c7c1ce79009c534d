"""The outside world: files on disk, FTP/FTPS/SFTP upload, SMTP mail."""
