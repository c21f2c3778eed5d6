package postgres

import "time"

// SetNow replaces the store's clock (tests of what happens later).
func (db *DB) SetNow(now func() time.Time) { db.now = now }
