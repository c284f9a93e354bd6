"""The partition work of the nightly import and merge, as functions the schema owner owns
(PostgreSQL; nothing on SQLite).

The application's role owns no table, so it cannot create, index, attach, detach or
analyze one. These SECURITY DEFINER functions do exactly that much as the owner, and only
for a partition named `<table>_<YYYYMM>` or `<table>_<YYYYMMDD>` of a table that is already
partitioned: a caller can add partitions and merge a month's day partitions into one, never
drop rows or touch another table. customers/etl/partitions.py calls them, for the owner's
`partition_facts` as for the application. Execution is revoked from PUBLIC;
`manage.py grant_app_role` grants the four entry points to the application's role.
"""

from django.db import migrations

FUNCTIONS = """
CREATE FUNCTION crm_fact_partition_parent(parent text, child text) RETURNS oid AS $$
DECLARE
    found oid;
BEGIN
    SELECT c.oid INTO found FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
        WHERE c.relname = parent AND c.relnamespace = current_schema()::regnamespace;
    IF found IS NULL OR child !~ ('^' || parent || '_[0-9]{6}([0-9]{2})?$') THEN
        RAISE EXCEPTION '% is not a partition name of a partitioned table', child;
    END IF;
    RETURN found;
END;
$$ LANGUAGE plpgsql SET search_path = @schema@, pg_temp;

CREATE FUNCTION crm_fact_partition_index(parent text, child text) RETURNS void AS $$
DECLARE
    parent_oid oid := crm_fact_partition_parent(parent, child);
    kind "char";
    constraint_def text;
    index_def text;
    head text;
    number integer := 0;
BEGIN
    -- The parent's key and indexes, each built in one sorted pass over the rows the
    -- detached table holds (ATTACH adopts them, as they match the parent's).
    FOR kind, constraint_def, index_def IN
        SELECT c.contype, pg_get_constraintdef(c.oid), pg_get_indexdef(i.indexrelid)
        FROM pg_index i LEFT JOIN pg_constraint c
            ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
        WHERE i.indrelid = parent_oid ORDER BY c.contype NULLS LAST, i.indexrelid
    LOOP
        IF kind IN ('p', 'u') THEN
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s',
                           child, child || '_k' || number, constraint_def);
        ELSE
            head := substring(index_def FROM '^CREATE (?:UNIQUE )?INDEX \\S+ ON (?:ONLY )?\\S+ ');
            EXECUTE format('CREATE %sINDEX %I ON %I ',
                           CASE WHEN index_def LIKE 'CREATE UNIQUE %' THEN 'UNIQUE ' ELSE '' END,
                           child || '_i' || number, child)
                    || substr(index_def, length(head) + 1);
        END IF;
        number := number + 1;
    END LOOP;
END;
$$ LANGUAGE plpgsql SET search_path = @schema@, pg_temp;

CREATE FUNCTION crm_fact_partition_create(parent text, child text) RETURNS void AS $$
BEGIN
    PERFORM crm_fact_partition_parent(parent, child);
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS)', child, parent);
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = @schema@, pg_temp;

CREATE FUNCTION crm_fact_partition_attach(parent text, child text, since date, until date)
RETURNS void AS $$
BEGIN
    PERFORM crm_fact_partition_parent(parent, child);
    IF NOT EXISTS (SELECT FROM pg_class c WHERE c.relname = child AND c.relkind = 'r'
                   AND c.relnamespace = current_schema()::regnamespace
                   AND pg_get_userbyid(c.relowner) = current_user AND NOT c.relispartition) THEN
        RAISE EXCEPTION '% is not a detached partition made by crm_fact_partition_create', child;
    END IF;
    PERFORM crm_fact_partition_index(parent, child);
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   parent, child, since, until);
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = @schema@, pg_temp;

CREATE FUNCTION crm_fact_partition_merge(parent text, month date) RETURNS bigint AS $$
DECLARE
    since date := date_trunc('month', month)::date;
    until date := (date_trunc('month', month) + interval '1 month')::date;
    merged text := parent || '_' || to_char(month, 'YYYYMM');
    parent_oid oid := crm_fact_partition_parent(parent, merged);
    key_column name;
    days text[];
    day text;
    moved bigint;
BEGIN
    SELECT array_agg(c.relname ORDER BY c.relname) INTO days
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = parent_oid
          AND c.relname ~ ('^' || merged || '[0-9]{2}$');
    IF days IS NULL THEN
        RETURN 0;
    END IF;
    SELECT a.attname INTO key_column FROM pg_partitioned_table p
        JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
        WHERE p.partrelid = parent_oid;
    -- The copy and the index builds run while the day partitions still serve readers; the
    -- swap at the end (detach, drop, attach) is short, and the CHECK spares ATTACH its scan.
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS)', merged, parent);
    EXECUTE format('INSERT INTO %I ', merged)
            || (SELECT string_agg(format('SELECT * FROM %I', d), ' UNION ALL ')
                FROM unnest(days) AS d);
    GET DIAGNOSTICS moved = ROW_COUNT;
    PERFORM crm_fact_partition_index(parent, merged);
    EXECUTE format('ALTER TABLE %I ADD CHECK (%I >= %L AND %I < %L)',
                   merged, key_column, since, key_column, until);
    FOREACH day IN ARRAY days LOOP
        EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, day);
        EXECUTE format('DROP TABLE %I', day);
    END LOOP;
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   parent, merged, since, until);
    RETURN moved;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = @schema@, pg_temp;

CREATE FUNCTION crm_table_analyze(relation text) RETURNS void AS $$
BEGIN
    -- Fresh statistics are harmless to take; only the schema's own tables, though.
    IF NOT EXISTS (SELECT FROM pg_class c WHERE c.relname = relation AND c.relkind IN ('r', 'p')
                   AND c.relnamespace = current_schema()::regnamespace) THEN
        RAISE EXCEPTION '% is not a table of the schema', relation;
    END IF;
    EXECUTE format('ANALYZE %I', relation);
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = @schema@, pg_temp;

REVOKE ALL ON FUNCTION crm_fact_partition_parent(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION crm_fact_partition_index(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION crm_fact_partition_create(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION crm_fact_partition_attach(text, text, date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION crm_fact_partition_merge(text, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION crm_table_analyze(text) FROM PUBLIC;
"""
DROP = """
DROP FUNCTION IF EXISTS crm_table_analyze(text);
DROP FUNCTION IF EXISTS crm_fact_partition_merge(text, date);
DROP FUNCTION IF EXISTS crm_fact_partition_attach(text, text, date, date);
DROP FUNCTION IF EXISTS crm_fact_partition_create(text, text);
DROP FUNCTION IF EXISTS crm_fact_partition_index(text, text);
DROP FUNCTION IF EXISTS crm_fact_partition_parent(text, text);
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(current_schema())")
        (schema,) = cursor.fetchone()
    # A SECURITY DEFINER function must not resolve names through the caller's temporary
    # schema, which comes first unless it is named last.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTIONS.replace("@schema@", schema))  # no parameters: % is SQL's


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("crm", "0004_audit_no_truncate")]

    operations = [migrations.RunPython(create, drop)]
