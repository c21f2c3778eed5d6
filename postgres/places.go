package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// placesLock serialises every change to places, so capacity is never
// exceeded by two approvals at once.
const placesLock = 7_240_001

// ClaimPlace puts the worker in the queue for a place and grants places
// while fewer than capacity are held. Those who want general employment wait
// ahead of those who do not; otherwise first come, first served. It returns
// the worker's standing and any others the fill granted a place (only after
// capacity grew). A second claim returns the worker's current standing.
func (db *DB) ClaimPlace(ctx context.Context, workerID string, capacity int) (granted bool, position int, others []string, err error) {
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, placesLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO places (worker_id, state, priority, requested_at)
			SELECT id, 'waiting', wants_general_employment, $2 FROM workers WHERE id = $1
			ON CONFLICT (worker_id) DO NOTHING`, workerID, db.now()); err != nil {
			return err
		}
		if _, err := db.fill(ctx, tx, workerID, promotedByClaim, capacity); err != nil {
			return err
		}
		// Read back rather than use what this fill granted: a retry after
		// a commit whose answer was lost grants nobody, and must still
		// name those the first attempt promoted.
		rows, err := tx.Query(ctx, `SELECT worker_id::text FROM places
			WHERE promoted_by = $1 AND promoted_in = $2 AND worker_id <> $1 ORDER BY seq`, workerID, promotedByClaim)
		if err != nil {
			return err
		}
		if others, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		var state string
		if err := tx.QueryRow(ctx, `SELECT state FROM places WHERE worker_id = $1`, workerID).Scan(&state); err != nil {
			return err
		}
		granted = state == "holding"
		if state == "waiting" {
			return tx.QueryRow(ctx, `
				SELECT count(*) FROM places q, places me
				 WHERE me.worker_id = $1 AND q.state = 'waiting'
				   AND (q.priority, -q.seq) >= (me.priority, -me.seq)`, workerID).Scan(&position)
		}
		return nil
	})
	if err != nil {
		return false, 0, nil, fmt.Errorf("claim place for %s: %w", workerID, err)
	}
	return granted, position, others, nil
}

// ReleasePlace gives up the worker's place or place in the queue, and grants
// freed places to those waiting, in order, up to capacity. It returns the
// workers it granted a place; a retry returns the same workers.
func (db *DB) ReleasePlace(ctx context.Context, workerID string, capacity int) ([]string, error) {
	var promoted []string
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, placesLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE places SET state = 'released', released_at = $2
			 WHERE worker_id = $1 AND state <> 'released'`, workerID, db.now()); err != nil {
			return err
		}
		if _, err := db.fill(ctx, tx, workerID, promotedByRelease, capacity); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT worker_id::text FROM places WHERE promoted_by = $1 AND promoted_in = $2 ORDER BY seq`,
			workerID, promotedByRelease)
		if err != nil {
			return err
		}
		promoted, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("release place of %s: %w", workerID, err)
	}
	return promoted, nil
}

// FillPlaces grants free places to those waiting (after capacity grows) and
// returns who got one.
func (db *DB) FillPlaces(ctx context.Context, capacity int) ([]string, error) {
	var promoted []string
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, placesLock); err != nil {
			return err
		}
		var err error
		promoted, err = db.fill(ctx, tx, "", "", capacity)
		return err
	})
	return promoted, err
}

// How a place came free for those it promoted (places.promoted_in).
const (
	promotedByClaim   = "claim"
	promotedByRelease = "release"
)

// fill grants free places to those waiting, in order, recording that by's
// move (claim or release) promoted them.
func (db *DB) fill(ctx context.Context, tx pgx.Tx, by, move string, capacity int) ([]string, error) {
	var byArg any
	if by != "" {
		byArg = by
	}
	rows, err := tx.Query(ctx, `
		WITH free AS (
			SELECT greatest($1 - count(*), 0) AS n FROM places WHERE state = 'holding'
		), next AS (
			SELECT worker_id FROM places WHERE state = 'waiting'
			 ORDER BY priority DESC, seq LIMIT (SELECT n FROM free)
		)
		UPDATE places p SET state = 'holding', granted_at = $2, promoted_by = $3, promoted_in = $4
		  FROM next WHERE p.worker_id = next.worker_id
		RETURNING p.worker_id::text`, capacity, db.now(), byArg, move)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// PlaceState returns holding, waiting, released, or "" for a worker.
func (db *DB) PlaceState(ctx context.Context, workerID string) (string, error) {
	var s string
	err := db.pool.QueryRow(ctx, `SELECT state FROM places WHERE worker_id = $1`, workerID).Scan(&s)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	return s, err
}
