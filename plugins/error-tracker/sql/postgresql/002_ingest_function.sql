-- Migration 2: a report is stored by one call of ingest_report() (one round trip, its statements planned once per
-- connection by PL/pgSQL) instead of one statement each from the host. Same steps and locks as before: the group's
-- row is locked (SELECT ... FOR UPDATE, or created by INSERT ... ON CONFLICT DO NOTHING), so a group is created
-- once and reopened once whichever hosts store the same fingerprint at once. o_status is created, incremented or
-- reopened; o_deduplicated when the group already remembers the event id (nothing is stored then).
CREATE FUNCTION ingest_report(
  p_fingerprint text, p_project text, p_environment text, p_exception_type text, p_message text,
  p_traceback text, p_source text, p_now bigint, p_request_url text, p_request_method text,
  p_request_headers text, p_user_id text, p_session_id text, p_extra text, p_event_id text,
  p_max_occurrences bigint, p_event_id_ring bigint)
RETURNS TABLE (o_status text, o_id bigint, o_count bigint, o_deduplicated boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
  v_resolved boolean;
  v_count bigint;
  v_status text;
BEGIN
  SELECT e.id, e.resolved, e.count INTO v_id, v_resolved, v_count
    FROM error_tracker.errors e
   WHERE e.fingerprint = p_fingerprint AND e.environment = p_environment
     FOR UPDATE;
  IF NOT FOUND THEN
    -- the words unicode61 would index: split at ASCII characters other than letters and digits
    INSERT INTO error_tracker.errors AS e (fingerprint, project, environment, exception_type, message, traceback,
                                           source, count, first_seen, last_seen, resolved, tsv)
    VALUES (p_fingerprint, p_project, p_environment, p_exception_type, p_message, p_traceback, p_source, 1, p_now,
            p_now, false,
            to_tsvector('simple', regexp_replace(left(p_exception_type || ' ' || p_message || ' ' || p_traceback,
                                                      200000),
                                                 '[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+', ' ', 'g')))
    ON CONFLICT (fingerprint, environment) DO NOTHING
    RETURNING e.id INTO v_id;
    IF v_id IS NOT NULL THEN
      v_status := 'created';
      v_count := 1;
    ELSE
      -- another host created the group since: it is committed now, lock it as an existing one
      SELECT e.id, e.resolved, e.count INTO STRICT v_id, v_resolved, v_count
        FROM error_tracker.errors e
       WHERE e.fingerprint = p_fingerprint AND e.environment = p_environment
         FOR UPDATE;
    END IF;
  END IF;
  IF v_status IS NULL THEN
    IF p_event_id IS NOT NULL AND EXISTS (SELECT 1 FROM error_tracker.error_event_ids i
                                           WHERE i.error_id = v_id AND i.event_id = p_event_id) THEN
      RETURN QUERY SELECT 'incremented'::text, v_id, v_count, true;
      RETURN;
    END IF;
    IF v_resolved THEN
      UPDATE error_tracker.errors e
         SET resolved = false, resolved_at = NULL, count = e.count + 1, last_seen = greatest(e.last_seen, p_now)
       WHERE e.id = v_id
      RETURNING e.count INTO v_count;
      v_status := 'reopened';
    ELSE
      UPDATE error_tracker.errors e
         SET count = e.count + 1, last_seen = greatest(e.last_seen, p_now)
       WHERE e.id = v_id
      RETURNING e.count INTO v_count;
      v_status := 'incremented';
    END IF;
  END IF;
  INSERT INTO error_tracker.error_occurrences (error_id, timestamp, request_url, request_method, request_headers,
                                               user_id, session_id, extra, traceback, event_id)
  VALUES (v_id, p_now, p_request_url, p_request_method, p_request_headers, p_user_id, p_session_id, p_extra,
          p_traceback, p_event_id);
  IF p_event_id IS NOT NULL THEN
    -- the ring of remembered event ids: this report takes slot count % ring
    DELETE FROM error_tracker.error_event_ids i
     WHERE i.error_id = v_id AND (i.slot = v_count % p_event_id_ring OR i.event_id = p_event_id);
    INSERT INTO error_tracker.error_event_ids (error_id, event_id, slot)
    VALUES (v_id, p_event_id, v_count % p_event_id_ring);
  END IF;
  INSERT INTO error_tracker.error_hourly AS h (error_id, hour, count)
  VALUES (v_id, p_now - p_now % 3600000, 1)
  ON CONFLICT (error_id, hour) DO UPDATE SET count = h.count + 1;
  IF v_status <> 'created' THEN
    DELETE FROM error_tracker.error_occurrences o
     WHERE o.error_id = v_id
       AND o.id <= (SELECT x.id FROM error_tracker.error_occurrences x WHERE x.error_id = v_id
                     ORDER BY x.id DESC LIMIT 1 OFFSET p_max_occurrences);
  END IF;
  RETURN QUERY SELECT v_status, v_id, v_count, false;
END
$$;
