CREATE OR REPLACE FUNCTION accounts_sync_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.display_name := coalesce(NEW.display_name, NEW.nickname);
    RETURN NEW;
END $$;
SET lock_timeout = '2s';
CREATE TRIGGER accounts_sync_name BEFORE INSERT OR UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_sync_name();
