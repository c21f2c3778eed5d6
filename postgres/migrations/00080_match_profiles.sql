-- Matching (issue 14): one row per worker with what the ranking reads of
-- them whatever the task, so ranking one task over every active worker
-- reads one scan of these narrow rows (with, in the same round trip, the
-- task type's history, the rests in the window and the recent requests)
-- instead of joining the wide workers rows with a sort of every standing
-- schedule, the latest other services, the assigned tasks and the
-- preferences each time.
--
-- A profile is derived data: ippo_refresh_match_profile recomputes it from
-- the tables it summarises, and triggers on those tables call it in the
-- same transaction as every write that changes one of its parts (a worker
-- created or changing phase, a schedule declared or superseded, other
-- services recorded, a task assigned, delivered, cancelled or reassigned,
-- a preference put), whichever path writes (store, import, SQL by hand).
--
-- schedule_from lists the effective dates of the standing (not superseded)
-- schedules in ascending order (equal dates by id), and week their minutes
-- per weekday (schedules.weekday_minutes, Sunday first), seven 4-byte
-- big-endian integers per schedule in the same order. All of them, not
-- only the one in force today: which one is in force depends on the task's
-- first day, so the read picks it with width_bucket (the number of dates on
-- or before that day, i.e. the 1-based position of the schedule in force,
-- 0 when none is yet). other_days has bit d set when another service is
-- used on weekday d (Sunday 0) in the latest other_services row.
-- assigned_minutes sums the expected time of the tasks assigned and not
-- delivered. likes and avoids are the worker's task_preferences, NULL when
-- never put.
--
-- The ranking receives 12,000 rows at a time, and PostgreSQL spends more
-- on sending a row's values one by one (each integer its own send call)
-- than on reading them: so the week is stored as bytes, and each
-- task_type_history row carries its sums packed the same way (packed,
-- below), which the store decodes (postgres/matching.go).
-- +goose Up
CREATE TABLE match_profiles (
    worker_id        uuid PRIMARY KEY REFERENCES workers (id) ON DELETE CASCADE,
    active           boolean NOT NULL,
    schedule_from    date[] NOT NULL DEFAULT '{}',
    week             bytea NOT NULL DEFAULT '',
    other_days       integer NOT NULL DEFAULT 0,
    assigned_minutes integer NOT NULL DEFAULT 0,
    likes            text[],
    avoids           text[]
);

-- The weekdays of a list of other services (ippo.OtherServiceDays) as bits.
-- +goose StatementBegin
CREATE FUNCTION ippo_weekday_mask(services jsonb) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(bit_or(1 << d::int), 0) FROM jsonb_path_query(services, '$[*].weekdays[*] ? (@ >= 0 && @ <= 6)') d
$$;
-- +goose StatementEnd

-- ippo_refresh_match_profile recomputes one worker's profile (none for a
-- worker that is gone). It locks the profile before reading: under READ
-- COMMITTED each statement of this function sees what was committed when
-- it starts, so a concurrent write for the same worker (two tasks assigned
-- to them at once) waits here and then reads the other's change, and
-- neither overwrites the other with what it saw before.
-- +goose StatementBegin
CREATE FUNCTION ippo_refresh_match_profile(p_worker uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM FROM match_profiles WHERE worker_id = p_worker FOR UPDATE;
    INSERT INTO match_profiles (worker_id, active, schedule_from, week, other_days, assigned_minutes, likes, avoids)
    SELECT w.id, w.phase = 'active',
           coalesce((SELECT array_agg(s.effective_from ORDER BY s.effective_from, s.id)
                       FROM schedules s WHERE s.worker_id = w.id AND s.superseded_at IS NULL), '{}'),
           coalesce((SELECT string_agg(int4send(m.minutes), ''::bytea ORDER BY s.effective_from, s.id, m.weekday)
                       FROM schedules s, unnest(s.weekday_minutes) WITH ORDINALITY m(minutes, weekday)
                      WHERE s.worker_id = w.id AND s.superseded_at IS NULL), ''),
           coalesce((SELECT ippo_weekday_mask(o.services) FROM other_services o
                      WHERE o.worker_id = w.id ORDER BY o.id DESC LIMIT 1), 0),
           coalesce((SELECT sum(coalesce(t.expected_minutes, 0)) FROM client_tasks t
                      WHERE t.assignee = w.id AND t.status = 'assigned'), 0),
           p.likes, p.avoids
      FROM workers w LEFT JOIN task_preferences p ON p.worker_id = w.id
     WHERE w.id = p_worker
    ON CONFLICT (worker_id) DO UPDATE SET active = EXCLUDED.active, schedule_from = EXCLUDED.schedule_from,
        week = EXCLUDED.week, other_days = EXCLUDED.other_days,
        assigned_minutes = EXCLUDED.assigned_minutes, likes = EXCLUDED.likes, avoids = EXCLUDED.avoids;
END
$$;
-- +goose StatementEnd

-- The trigger refreshes the profile of the worker named by the column
-- TG_ARGV[0] of the old row and of the new one (a task moved from one
-- assignee to another changes both).
-- +goose StatementBegin
CREATE FUNCTION ippo_match_profile_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_worker uuid;
    new_worker uuid;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_worker := (to_jsonb(OLD) ->> TG_ARGV[0])::uuid;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_worker := (to_jsonb(NEW) ->> TG_ARGV[0])::uuid;
    END IF;
    IF old_worker IS NOT NULL THEN
        PERFORM ippo_refresh_match_profile(old_worker);
    END IF;
    IF new_worker IS NOT NULL AND new_worker IS DISTINCT FROM old_worker THEN
        PERFORM ippo_refresh_match_profile(new_worker);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER match_profile_worker AFTER INSERT ON workers
    FOR EACH ROW EXECUTE FUNCTION ippo_match_profile_trigger('id');
CREATE TRIGGER match_profile_phase AFTER UPDATE OF phase ON workers
    FOR EACH ROW WHEN (OLD.phase IS DISTINCT FROM NEW.phase) EXECUTE FUNCTION ippo_match_profile_trigger('id');
CREATE TRIGGER match_profile_schedule AFTER INSERT OR UPDATE OR DELETE ON schedules
    FOR EACH ROW EXECUTE FUNCTION ippo_match_profile_trigger('worker_id');
CREATE TRIGGER match_profile_other_services AFTER INSERT OR UPDATE OR DELETE ON other_services
    FOR EACH ROW EXECUTE FUNCTION ippo_match_profile_trigger('worker_id');
CREATE TRIGGER match_profile_preference AFTER INSERT OR UPDATE OR DELETE ON task_preferences
    FOR EACH ROW EXECUTE FUNCTION ippo_match_profile_trigger('worker_id');
-- Only assigned tasks count, so most task writes (and a bulk load of
-- delivered ones) call nothing.
CREATE TRIGGER match_profile_task_insert AFTER INSERT ON client_tasks
    FOR EACH ROW WHEN (NEW.status = 'assigned') EXECUTE FUNCTION ippo_match_profile_trigger('assignee');
CREATE TRIGGER match_profile_task_update AFTER UPDATE OF status, assignee, expected_minutes ON client_tasks
    FOR EACH ROW WHEN ((OLD.status = 'assigned' OR NEW.status = 'assigned')
        AND (OLD.status, OLD.assignee, OLD.expected_minutes) IS DISTINCT FROM (NEW.status, NEW.assignee, NEW.expected_minutes))
    EXECUTE FUNCTION ippo_match_profile_trigger('assignee');
CREATE TRIGGER match_profile_task_delete AFTER DELETE ON client_tasks
    FOR EACH ROW WHEN (OLD.status = 'assigned') EXECUTE FUNCTION ippo_match_profile_trigger('assignee');

SELECT ippo_refresh_match_profile(id) FROM workers;

-- A type's sums as the ranking reads them, in ippo.TypeHistory's order:
-- jobs, recency_weight (8 bytes), last_on (days since 2000-01-01), output,
-- output_minutes, estimated_minutes, taken_minutes, quality_sum,
-- quality_n; 40 bytes, big-endian, as PostgreSQL's binary format.
ALTER TABLE task_type_history ADD COLUMN packed bytea GENERATED ALWAYS AS (
    int4send(jobs) || float8send(recency_weight) || date_send(last_on) || int4send(output) || int4send(output_minutes)
    || int4send(estimated_minutes) || int4send(taken_minutes) || int4send(quality_sum) || int4send(quality_n)) STORED;

-- +goose Down
ALTER TABLE task_type_history DROP COLUMN packed;
DROP TRIGGER match_profile_task_delete ON client_tasks;
DROP TRIGGER match_profile_task_update ON client_tasks;
DROP TRIGGER match_profile_task_insert ON client_tasks;
DROP TRIGGER match_profile_preference ON task_preferences;
DROP TRIGGER match_profile_other_services ON other_services;
DROP TRIGGER match_profile_schedule ON schedules;
DROP TRIGGER match_profile_phase ON workers;
DROP TRIGGER match_profile_worker ON workers;
DROP FUNCTION ippo_match_profile_trigger();
DROP FUNCTION ippo_refresh_match_profile(uuid);
DROP FUNCTION ippo_weekday_mask(jsonb);
DROP TABLE match_profiles;
