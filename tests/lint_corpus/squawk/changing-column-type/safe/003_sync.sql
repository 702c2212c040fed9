CREATE OR REPLACE FUNCTION ledger_sync_user_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.user_id_new := NEW.user_id;
    RETURN NEW;
END $$;
SET lock_timeout = '2s';
CREATE TRIGGER ledger_sync_user_id BEFORE INSERT OR UPDATE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_sync_user_id();
