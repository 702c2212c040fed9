-- expect: drop-database
DROP DATABASE IF EXISTS shop_archive;
