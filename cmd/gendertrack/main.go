// Command gendertrack runs the gendertrack GraphQL service.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/gendertrack/gendertrack/internal/app"
)

func main() {
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gendertrack:", err)
		os.Exit(1)
	}
}

// tuneGC trades some memory for less garbage collection, unless the
// operator set GOGC or GOMEMLIMIT: the collector runs when the heap has
// grown to four times what survived the last collection, or as it nears
// 160 MiB, whichever comes first. Requests allocate much short-lived
// memory (query rows, response trees), so this halves the time spent in
// the collector at the cost of a larger but bounded heap.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(160 << 20)
	}
}
