-- One clock for creation times and snapshot bounds: the database's, so replicas whose
-- clocks differ still agree. Microseconds since the Unix epoch.
CREATE FUNCTION tw_now_micros() RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL SAFE
AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint $$;
--> statement-breakpoint
-- Issues one token. created_at is read while holding the entity's snapshot lock in shared
-- mode, and that lock is held until the transaction commits: a snapshot (tw_snapshot,
-- exclusive mode) is therefore taken either after this token is visible, or before its
-- created_at was read, and then the token's created_at is later than the snapshot. So no
-- token committed after a snapshot was served can ever appear in it.
-- p_created: a clock reading given by the caller (tests with a fake clock); NULL: the database's.
CREATE FUNCTION tw_issue_token(
  p_entity integer, p_token_id uuid, p_hash bytea, p_client text, p_user uuid, p_account uuid,
  p_grant smallint, p_roles text, p_scopes text, p_role_list text[], p_lifetime bigint, p_created bigint
) RETURNS TABLE (o_pk bigint, o_grant_set integer, o_created bigint)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  gs integer;
  c bigint;
  t bigint;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(1953955841, p_entity);
  SELECT g.pk INTO gs FROM grant_sets g WHERE g.entity_pk = p_entity AND g.roles = p_roles AND g.scopes = p_scopes;
  IF gs IS NULL THEN
    INSERT INTO grant_sets AS g (entity_pk, roles, scopes) VALUES (p_entity, p_roles, p_scopes)
      ON CONFLICT (entity_pk, roles, scopes) DO NOTHING RETURNING g.pk INTO gs;
    IF gs IS NULL THEN
      SELECT g.pk INTO gs FROM grant_sets g WHERE g.entity_pk = p_entity AND g.roles = p_roles AND g.scopes = p_scopes;
    END IF;
  END IF;
  c := COALESCE(p_created, tw_now_micros());
  INSERT INTO tokens AS k (entity_pk, token_id, token_hash, client_id, user_id, account_id, grant_flow, grant_set_pk, created_at, expires_at)
    VALUES (p_entity, p_token_id, p_hash, p_client, p_user, p_account, p_grant, gs, c, c + p_lifetime)
    RETURNING k.pk INTO t;
  INSERT INTO token_roles (entity_pk, role, created_at, token_id, token_pk)
    SELECT DISTINCT p_entity, r, c, p_token_id, t FROM unnest(p_role_list) AS r;
  RETURN QUERY SELECT t, gs, c;
END
$$;
--> statement-breakpoint
-- A new snapshot bound of the entity: taken with the entity's snapshot lock in exclusive
-- mode, so it waits for every token being issued to commit; it returns only once the
-- clock has passed the bound, so a token issued after it gets a later created_at.
-- p_at: a clock reading given by the caller (tests with a fake clock); NULL: the database's.
CREATE FUNCTION tw_snapshot(p_entity integer, p_at bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  s bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(1953955841, p_entity);
  IF p_at IS NOT NULL THEN
    RETURN p_at;
  END IF;
  s := tw_now_micros();
  WHILE tw_now_micros() <= s LOOP
  END LOOP;
  RETURN s;
END
$$;
