package browsertest

import (
	"strings"
	"testing"

	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// mainPages are the workspace's main pages for a committee member on the
// demo data: paths found by following the pages themselves.
type mainPage struct{ name, path string }

func findMainPages(t testing.TB, p *page) []mainPage {
	t.Helper()
	p.open("/")
	overview := draftLink(p)
	p.open(overview)
	areas := areaKeys(p)
	if len(areas) == 0 {
		t.Fatalf("%s lists no area", overview)
	}
	p.open(overview + "/comparison")
	previous := eval[string](p, `(() => { const a = document.getElementById('previous-link'); return a ? a.getAttribute('href') : ''; })()`)
	if previous == "" {
		t.Fatalf("the comparison of %s names no previous assessment", overview)
	}
	return []mainPage{
		{"home", "/"},
		{"assessment", overview},
		{"area", overview + "/areas/" + areas[0]},
		{"findings", previous + "/findings"},
		{"comparison", overview + "/comparison"},
	}
}

// TestScreenshots visits the main pages on a desktop (1280×800) and a
// phone-sized (390×844) screen, in English and in French: nothing may be
// wider than a phone's screen, every page passes axe-core at both sizes,
// and with GENDERTRACK_SCREENSHOTS=1 (make screenshots) each is saved to
// docs/screenshots/LANG-SCREEN-PAGE.png.
func TestScreenshots(t *testing.T) {
	t.Parallel()
	for _, tx := range []texts{english, french} {
		t.Run(tx.lang, func(t *testing.T) {
			t.Parallel()
			// A site for each language: the language a user chooses is
			// kept with the user.
			s := startSite(t, storetest.NewURL(t, "sqlite"))
			p := newPage(t, s)
			for _, v := range []viewport{desktop, phone} {
				p.setViewport(v)
				// axe-core again at this size: contrast and target sizes
				// change with the layout.
				p.axeDone = map[string]bool{}
				startIn(p, tx)
				checkLayout(t, p, v)
				p.screenshot(tx.lang + "-" + v.name + "-signin")
				signIn(p, committee)
				for _, mp := range findMainPages(t, p) {
					if tx.lang != "en" && mp.name != "home" && mp.name != "area" && mp.name != "comparison" {
						continue
					}
					p.open(mp.path)
					checkLayout(t, p, v)
					if mp.name == "comparison" {
						checkChartText(t, p, v)
					}
					p.screenshot(tx.lang + "-" + v.name + "-" + mp.name)
				}
				signOut(p)
			}
		})
	}
}

// checkLayout fails the test when the page is wider than the screen.
func checkLayout(t *testing.T, p *page, v viewport) {
	t.Helper()
	if over := p.horizontalOverflow(); len(over) > 0 {
		t.Errorf("%s on a %s screen (%d px) is wider than the screen: %s", p.path(), v.name, v.width, strings.Join(over, "; "))
	}
}

// checkChartText fails the test when the comparison chart's texts are drawn
// too small or too large to read on the screen: the chart is an SVG scaled
// to the page, its texts with it.
func checkChartText(t *testing.T, p *page, v viewport) {
	t.Helper()
	sizes := eval[[]float64](p, `(() => {
		const svg = document.getElementById('comparison-chart');
		const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
		return [...svg.querySelectorAll('text')].map(e => parseFloat(getComputedStyle(e).fontSize) * scale);
	})()`)
	if len(sizes) == 0 {
		t.Errorf("the comparison chart on a %s screen has no text", v.name)
	}
	for _, px := range sizes {
		if px < 12 || px > 18 {
			t.Errorf("the comparison chart on a %s screen draws text at %.1f px, want 12 to 18 px", v.name, px)
			break
		}
	}
}
