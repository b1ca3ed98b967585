package store

// PreparedTexts is how many statements db keeps prepared (SQLite).
func PreparedTexts(db *DB) int {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	return len(db.stmts.m)
}

// HotTexts is how many hot reads db keeps prepared (SQLite).
func HotTexts(db *DB) int {
	db.hot.mu.Lock()
	defer db.hot.mu.Unlock()
	return len(db.hot.m)
}
