package store_test

import (
	"context"
	"testing"

	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// A burst that uses every connection the pool may open must leave them
// all idle for the next burst, not close the surplus: each new PostgreSQL
// connection is a new server process whose start cost more CPU than the
// queries it then ran.
func TestConnectionsOfABurstAreKeptForTheNext(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		ctx := context.Background()
		max := db.DB.DB.Stats().MaxOpenConnections
		if max == 0 {
			t.Fatal("the pool has no bound on open connections")
		}
		for range 2 {
			conns := make([]interface{ Close() error }, 0, max)
			for range max {
				c, err := db.DB.DB.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var one int
				if err := c.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
			}
			for _, c := range conns {
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
			}
		}
		st := db.DB.DB.Stats()
		if st.MaxIdleClosed != 0 || st.Idle != max {
			t.Fatalf("after two bursts of %d connections: %d closed as surplus, %d idle; want 0 closed, %d idle", max, st.MaxIdleClosed, st.Idle, max)
		}
	})
}
