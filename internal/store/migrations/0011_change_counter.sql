-- Counts committed data changes (audit entries aside), by any process on
-- this file: the HR report cache compares it, so a "kipass users import"
-- while the server runs shows on the next page load.
CREATE TABLE change_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO change_counter (id, n) VALUES (1, 0);
