// Package browsertest holds the browser tests of the web workspace: a real
// gendertrack server (demo data, SQLite and PostgreSQL) driven through real
// Chromium with chromedp, every page checked with axe-core, and a benchmark
// of the pages on an emulated 3G link. Everything is in the _test.go files;
// this package has no code of its own.
//
// Chromium is /usr/bin/chromium, or the program GENDERTRACK_CHROMIUM names.
// Without it the tests skip, except under CI=true, where they fail.
// GENDERTRACK_SCREENSHOTS=1 writes the screenshots of the main pages to
// docs/screenshots/ (make screenshots).
package browsertest
