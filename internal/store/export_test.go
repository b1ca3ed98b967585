package store

// PreparedTexts is how many statements db keeps prepared (SQLite).
func PreparedTexts(db *DB) int {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	return len(db.stmts.m)
}
