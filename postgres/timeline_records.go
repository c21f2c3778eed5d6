package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ippo-center/ippo"
)

// Timeline sources of the records kept outside the lifecycle workflow.
const (
	SourceSchedule   = "schedule"   // schedules and other services declared
	SourceAttendance = "attendance" // absences, late starts, early leaves
	SourceWork       = "work"       // tasks assigned, work logged, statements issued
)

// recordEntries returns the worker's schedule, attendance and work records
// as timeline entries, oldest first. Staff actors are shown by their
// token's name, as lifecycle steps are.
func (db *DB) recordEntries(ctx context.Context, workerID string) ([]ippo.TimelineEntry, error) {
	rows, err := db.pool.Query(ctx, `
		WITH r AS (
			SELECT declared_at AS at, 'schedule' AS source, 'schedule_declared' AS kind, declared_by AS actor, '' AS reason,
			       jsonb_build_object('effective_from', effective_from, 'weekly_minutes', weekly_minutes,
			           'slots', jsonb_array_length(slots), 'superseded', superseded_at IS NOT NULL) AS data
			  FROM schedules WHERE worker_id = $1
			UNION ALL
			SELECT declared_at, 'schedule', 'other_services_recorded', declared_by, '', jsonb_build_object('services', services)
			  FROM other_services WHERE worker_id = $1
			UNION ALL
			SELECT reported_at, 'attendance', 'absence_reported', reported_by, reason,
			       jsonb_strip_nulls(jsonb_build_object('date', on_date, 'kind', kind,
			           'from', to_char(make_interval(mins => from_minute), 'HH24:MI'),
			           'until', to_char(make_interval(mins => until_minute), 'HH24:MI')))
			  FROM absences WHERE worker_id = $1
			UNION ALL
			SELECT a.assigned_at, 'work', 'task_assigned', a.assigned_by, '',
			       jsonb_build_object('task_id', t.id, 'type', t.type, 'client', t.client)
			  FROM task_assignments a JOIN client_tasks t ON t.id = a.task_id WHERE a.worker_id = $1
			UNION ALL
			SELECT l.logged_at, 'work', 'work_logged', l.logged_by, '',
			       jsonb_build_object('date', l.on_date, 'minutes', l.minutes, 'task_id', l.task_id, 'type', t.type,
			           'output', l.output, 'quality', l.quality)
			  FROM work_logs l JOIN client_tasks t ON t.id = l.task_id WHERE l.worker_id = $1
			UNION ALL
			SELECT closed_at, 'work', 'statement_issued', 'system', '',
			       jsonb_build_object('month', to_char(month, 'YYYY-MM'), 'total_minutes', total_minutes, 'total_yen', total_yen,
			           'utilization_permille', utilization_permille, 'below_target', below_target)
			  FROM statements WHERE worker_id = $1
		)
		SELECT r.at, r.source, r.kind, coalesce(t.name, r.actor), r.reason, r.data
		  FROM r LEFT JOIN staff_tokens t ON r.actor = 'staff:' || t.id::text
		 ORDER BY r.at`, workerID)
	if err != nil {
		return nil, fmt.Errorf("timeline records of %s: %w", workerID, err)
	}
	defer rows.Close()
	var out []ippo.TimelineEntry
	for rows.Next() {
		var (
			e    ippo.TimelineEntry
			data []byte
		)
		if err := rows.Scan(&e.At, &e.Source, &e.Kind, &e.Actor, &e.Reason, &data); err != nil {
			return nil, fmt.Errorf("timeline records of %s: %w", workerID, err)
		}
		if err := json.Unmarshal(data, &e.Data); err != nil {
			return nil, fmt.Errorf("timeline records of %s: %w", workerID, err)
		}
		if e.Kind == "other_services_recorded" {
			e.Data = otherServicesData(data)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// mergeTimeline merges two timelines that are each in time order; at equal
// times the entries of a come first.
func mergeTimeline(a, b []ippo.TimelineEntry) []ippo.TimelineEntry {
	out := append(slices.Clip(a), b...)
	slices.SortStableFunc(out, func(x, y ippo.TimelineEntry) int { return x.At.Compare(y.At) })
	return out
}

// otherServicesData shows weekdays by name ("tuesday"), as the API does.
func otherServicesData(raw []byte) map[string]any {
	var d struct {
		Services []ippo.OtherService `json:"services"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil
	}
	services := make([]map[string]any, len(d.Services))
	for i, s := range d.Services {
		days := make([]string, len(s.Weekdays))
		for j, wd := range s.Weekdays {
			days[j] = ippo.WeekdayName(wd)
		}
		services[i] = map[string]any{"service": string(s.Kind), "weekdays": days}
	}
	return map[string]any{"services": services}
}
