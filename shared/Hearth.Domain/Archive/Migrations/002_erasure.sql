-- The archive stays append-only, with one exception: erasure. A deleted companion's or account's rows are removed by a
-- transaction that says so first (set local archive.erasure = 'on'); updates and truncation are still refused.
create or replace function archive.refuse_change() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' and current_setting('archive.erasure', true) = 'on' then
        return null;
    end if;
    raise exception 'archive.% is append-only: % is not allowed', tg_table_name, tg_op;
end
$$;
