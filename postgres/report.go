package postgres

import (
	"context"
	"fmt"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// MonthlyReport computes the city's report for month m from the timeline
// (program time), the read model and the month's statements. It counts;
// it never lists a person.
func (db *DB) MonthlyReport(ctx context.Context, m ippo.YearMonth, municipality string) (ippo.MonthlyReport, error) {
	r := ippo.MonthlyReport{
		Month:           m,
		Municipality:    municipality,
		WorkersByPhase:  map[ippo.Phase]int{},
		Categories:      map[ippo.Category]int{},
		DisabilityTypes: map[ippo.DisabilityType]int{},
		Graduations:     map[ippo.Destination]int{},
	}
	for _, p := range ippo.Phases {
		r.WorkersByPhase[p] = 0
	}
	for _, d := range ippo.Destinations {
		r.Graduations[d] = 0
	}
	from, until := m.First().Start(), m.Next().First().Start()
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		// One snapshot for every figure.
		if _, err := tx.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
			return err
		}
		// Steps in the month.
		err := tx.QueryRow(ctx, `
			SELECT count(*) FILTER (WHERE kind = 'applied'),
			       count(*) FILTER (WHERE kind = 'eligibility_approved'),
			       count(*) FILTER (WHERE kind = 'eligibility_rejected'),
			       count(*) FILTER (WHERE kind = 'handoff_sent'),
			       count(*) FILTER (WHERE kind = 'handoff_acknowledged'),
			       count(*) FILTER (WHERE kind = 'handoff_unacknowledged'),
			       count(*) FILTER (WHERE kind IN ('handoff_cancelled', 'handoff_consent_withdrawn'))
			  FROM worker_events WHERE program_at >= $1 AND program_at < $2`, from, until).Scan(
			&r.Registrations, &r.Approved, &r.NotApproved,
			&r.HandoffsSent, &r.HandoffsAcknowledged, &r.HandoffsUnacknowledged, &r.HandoffsCancelled)
		if err != nil {
			return fmt.Errorf("steps: %w", err)
		}
		rows, err := tx.Query(ctx, `
			SELECT data->>'destination', count(*) FROM worker_events
			 WHERE kind = 'graduated' AND program_at >= $1 AND program_at < $2 GROUP BY 1`, from, until)
		if err != nil {
			return fmt.Errorf("graduations: %w", err)
		}
		for rows.Next() {
			var (
				d *string
				n int
			)
			if err := rows.Scan(&d, &n); err != nil {
				return err
			}
			if d != nil {
				r.Graduations[ippo.Destination(*d)] += n
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}

		// Each worker as the month ended: their last step before its end.
		const atEnd = `
			WITH last AS (
				SELECT DISTINCT ON (worker_id) worker_id, kind, phase, data
				  FROM worker_events WHERE program_at < $1
				 ORDER BY worker_id, program_at DESC, id DESC)`
		rows, err = tx.Query(ctx, atEnd+`
			SELECT phase, count(*), count(*) FILTER (WHERE kind = 'eligibility_approved' AND data->>'waitlisted' = 'true')
			  FROM last GROUP BY phase`, until)
		if err != nil {
			return fmt.Errorf("phases: %w", err)
		}
		for rows.Next() {
			var (
				p       string
				n, wait int
			)
			if err := rows.Scan(&p, &n, &wait); err != nil {
				return err
			}
			r.WorkersByPhase[ippo.Phase(p)] += n
			r.Waitlisted += wait
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, atEnd+`
			SELECT w.category, w.disability_types, w.intractable_disease
			  FROM last JOIN workers w ON w.id = last.worker_id
			 WHERE last.phase IN ('onboarding', 'active')`, until)
		if err != nil {
			return fmt.Errorf("categories: %w", err)
		}
		for rows.Next() {
			var (
				cat         string
				types       []string
				intractable bool
			)
			if err := rows.Scan(&cat, &types, &intractable); err != nil {
				return err
			}
			r.Categories[ippo.Category(cat)]++
			for _, t := range types {
				r.DisabilityTypes[ippo.DisabilityType(t)]++
			}
			if intractable {
				r.IntractableDisease++
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}

		// Work from the month's statements.
		bands := map[string]int{}
		rows, err = tx.Query(ctx, `
			SELECT theoretical_minutes, actual_minutes, utilization_permille, total_yen + late_yen,
			       active_until IS NULL OR active_until >= month
			  FROM statements WHERE month = $1`, date(m.First()))
		if err != nil {
			return fmt.Errorf("statements: %w", err)
		}
		for rows.Next() {
			var (
				theo, actual, perm, yen int
				covered                 bool
			)
			if err := rows.Scan(&theo, &actual, &perm, &yen, &covered); err != nil {
				return err
			}
			r.FeesYen += yen
			if !covered {
				continue // late work only, after the contract ended
			}
			r.Statements++
			r.DeclaredMinutes += theo
			r.ActualMinutes += actual
			bands[ippo.UtilizationBand(theo, perm)]++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, b := range ippo.UtilizationBands {
			r.UtilizationBuckets = append(r.UtilizationBuckets, ippo.Count{Label: b.Label, Count: bands[b.Label]})
		}
		r.UtilizationBuckets = append(r.UtilizationBuckets, ippo.Count{Label: ippo.UtilizationBand(0, 0), Count: bands[ippo.UtilizationBand(0, 0)]})
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("monthly report %s: %w", m, err)
	}
	return r, nil
}

// MonthClosed reports whether month m's close has finished.
func (db *DB) MonthClosed(ctx context.Context, m ippo.YearMonth) (bool, error) {
	done, err := db.ClosedMonths(ctx, m, m)
	return len(done) == 1, err
}

// ClosedMonths returns the months from first to last (both included) whose
// close has finished, oldest first.
func (db *DB) ClosedMonths(ctx context.Context, first, last ippo.YearMonth) ([]ippo.YearMonth, error) {
	rows, err := db.pool.Query(ctx, `SELECT month FROM month_closes WHERE status = 'done' AND month BETWEEN $1 AND $2 ORDER BY month`,
		date(first.First()), date(last.First()))
	if err != nil {
		return nil, fmt.Errorf("closed months: %w", err)
	}
	months, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ippo.YearMonth, error) {
		var d pgtype.Date
		err := row.Scan(&d)
		return fromDate(d).YearMonth(), err
	})
	if err != nil {
		return nil, fmt.Errorf("closed months: %w", err)
	}
	return months, nil
}
