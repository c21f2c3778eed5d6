package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ippo-center/ippo"
	"github.com/jackc/pgx/v5"
)

// Clock returns the installation's program clock for monthLength. A
// compressed clock is anchored at the first start with that month length,
// so every process of the installation agrees on the program date. Changing
// the month length starts a new anchor.
func (db *DB) Clock(ctx context.Context, monthLength time.Duration) (ippo.Clock, error) {
	if monthLength <= 0 {
		return ippo.Clock{}, nil
	}
	c := ippo.Clock{Anchor: db.now().Truncate(time.Second), MonthLength: monthLength}
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var raw []byte
		err := tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = 'clock' FOR UPDATE`).Scan(&raw)
		if err == nil {
			var stored ippo.Clock
			if err := json.Unmarshal(raw, &stored); err != nil {
				return err
			}
			if stored.MonthLength == monthLength {
				c = stored
				return nil
			}
		} else if err != pgx.ErrNoRows {
			return err
		}
		raw, _ = json.Marshal(c)
		_, err = tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('clock', $1)
			ON CONFLICT (key) DO UPDATE SET value = $1`, raw)
		return err
	})
	if err != nil {
		return c, fmt.Errorf("program clock: %w", err)
	}
	return c, nil
}

// Setting returns the value stored under key, storing fallback first if
// there is none (so concurrent first starts agree on one value).
func (db *DB) Setting(ctx context.Context, key, fallback string) (string, error) {
	raw, _ := json.Marshal(fallback)
	if _, err := db.pool.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING`, key, raw); err != nil {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	var v string
	if err := db.pool.QueryRow(ctx, `SELECT value #>> '{}' FROM settings WHERE key = $1`, key).Scan(&v); err != nil {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}
