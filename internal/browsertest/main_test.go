package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// TestMain runs the tests through storetest.Main, which drops the template
// databases, then stops the one Chromium process the tests shared.
func TestMain(m *testing.M) {
	storetest.Main(m)
	stopBrowser()
}

var (
	browserOnce   sync.Once
	browserCtx    context.Context // the running browser; tabs are its children
	browserErr    error
	browserCancel = func() {}
	browserDir    string
)

// chromiumPath finds the browser: GENDERTRACK_CHROMIUM, else /usr/bin/chromium
// or a chromium on the PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("GENDERTRACK_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("GENDERTRACK_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium at /usr/bin/chromium nor on the PATH (install it with apt-get install chromium, or set GENDERTRACK_CHROMIUM)")
}

// browser returns the context of the one Chromium process of this test
// process, starting it on first use. Without Chromium the test skips, or
// fails under CI=true, where nothing may skip.
func browser(t testing.TB) context.Context {
	t.Helper()
	browserOnce.Do(startBrowser)
	if browserErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required under CI=true: %v", browserErr)
		}
		t.Skipf("browser tests skipped: %v", browserErr)
	}
	return browserCtx
}

func startBrowser() {
	path, err := chromiumPath()
	if err != nil {
		browserErr = err
		return
	}
	dir, err := os.MkdirTemp("", "gendertrack-chromium-")
	if err != nil {
		browserErr = err
		return
	}
	browserDir = dir
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.NoSandbox, // the tests run as root in CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "en-GB"),
		chromedp.WindowSize(1280, 800),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	// The first run starts the browser; its context must have no deadline,
	// or the browser would die with it.
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		browserErr = fmt.Errorf("start %s: %w", path, err)
		return
	}
	browserCtx = ctx
	browserCancel = func() { cancelCtx(); cancelAlloc() }
}

func stopBrowser() {
	browserCancel()
	if browserDir != "" {
		os.RemoveAll(browserDir)
	}
}
