// Command gendertrack runs the gendertrack GraphQL service.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/gendertrack/gendertrack/internal/app"
)

func main() {
	adaptStacks()
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
// 150 MiB, whichever comes first. Requests allocate much short-lived
// memory (query rows, response trees), so this halves the time spent in
// the collector at the cost of a larger but bounded heap.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(150 << 20)
	}
}

// adaptStacks restarts `gendertrack serve` in place (same process, same
// arguments) with GODEBUG=adaptivestackstart=1, unless GODEBUG already
// says how: new goroutines then start with a stack of the size goroutines
// have been needing. The GraphQL executor starts one per element of a list
// of objects, each grows to several kilobytes, and growing from 2 KiB
// copied each stack two or three times — 8 % of the server's CPU on a plan
// page (docs/PERFORMANCE.md). The runtime reads the setting only at start,
// and //go:debug does not accept it, hence the re-exec.
func adaptStacks() {
	if len(os.Args) < 2 || os.Args[1] != "serve" || runtime.GOOS == "windows" || strings.Contains(os.Getenv("GODEBUG"), "adaptivestackstart") {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	godebug := "adaptivestackstart=1"
	if g := os.Getenv("GODEBUG"); g != "" {
		godebug = g + "," + godebug
	}
	env := append(os.Environ(), "GODEBUG="+godebug)
	_ = syscall.Exec(exe, os.Args, env) // returns only on failure: serve as is
}
