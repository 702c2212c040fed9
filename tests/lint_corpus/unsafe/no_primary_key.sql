-- expect: no-primary-key
CREATE TABLE page_views (page text NOT NULL, viewed_at timestamptz NOT NULL);
