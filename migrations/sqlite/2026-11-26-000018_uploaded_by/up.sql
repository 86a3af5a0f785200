-- Who uploaded a registration on a holder's behalf (proxy or mail-in): that person may not
-- also decide it (four eyes).
ALTER TABLE handbooks ADD COLUMN uploaded_by BIGINT;
