package postgres

import "time"

// SetClockForTest replaces the clock of the timestamps the store sets
// itself, for tests of what expires.
func (db *DB) SetClockForTest(now func() time.Time) { db.now = now }
