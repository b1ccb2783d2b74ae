-- A value sealed with the master key when the database is first opened, so a wrong master key is
-- refused at start-up with a clear error instead of failing later on the first credential read.
CREATE TABLE vault_check (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    ciphertext  BLOB NOT NULL,
    wrapped_key BLOB NOT NULL
);
