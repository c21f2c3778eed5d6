package postgres

import (
	"context"
	"fmt"
)

// OutboxStatuses returns the status of each email keyed by one of keys
// (keys with no email are absent), in one query: the close uses it to pass
// over the emails of a page it has already sent.
func (db *DB) OutboxStatuses(ctx context.Context, keys []string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT key, status FROM outbox WHERE key = ANY($1)`, keys)
	if err != nil {
		return nil, fmt.Errorf("outbox statuses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, s string
		if err := rows.Scan(&k, &s); err != nil {
			return nil, fmt.Errorf("outbox statuses: %w", err)
		}
		out[k] = s
	}
	return out, rows.Err()
}
