package browsertest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// openArea opens the draft of the home page on the first area with at
// least n unanswered questions and returns the overview's path, the
// assessment's ID and those questions.
func openArea(t *testing.T, p *page, n int) (overview string, id int64, open []question) {
	t.Helper()
	overview = draftLink(p)
	id = assessmentID(t, overview)
	p.open(overview)
	for _, area := range areaKeys(p) {
		p.open(overview + "/areas/" + area)
		open = nil
		for _, q := range questions(p) {
			if !q.Answered {
				open = append(open, q)
			}
		}
		if len(open) >= n {
			return overview, id, open
		}
	}
	t.Fatalf("no area of %s has %d unanswered questions", overview, n)
	return
}

// kept is what app.js keeps in localStorage for the area form: the answers
// as typed, and the save not yet acknowledged with its Idempotency-Key.
type kept struct {
	Draft   string `json:"draft"`
	Pending string `json:"pending"`
}

func keptOnDevice(p *page) kept {
	p.t.Helper()
	return eval[kept](p, `(() => { const k = document.getElementById('area-form').dataset.storageKey;
		return {draft: localStorage.getItem(k) || '', pending: localStorage.getItem(k + ':pending') || ''}; })()`)
}

// TestOfflineSave: an area filled and saved while the network is cut is
// kept on the device (localStorage) and saved when the connection returns;
// a save whose answer the network lost after the server applied it is
// sent again with the same Idempotency-Key and applied exactly once.
func TestOfflineSave(t *testing.T) {
	eachDB(t, func(t *testing.T, s *site) {
		tx := english
		p := newPage(t, s)
		startIn(p, tx)
		signIn(p, committee)
		_, id, open := openArea(t, p, 2)
		area := p.path()
		before := saves(t, s, id)

		// 1. The network is cut: the save fails, the answers stay on the
		// device, the server has nothing.
		p.setOffline(true)
		p.do("wait until the page knows it is offline", chromedp.Poll[chromedp.Void](`navigator.onLine === false`))
		q := open[0]
		answer(p, q, "Typed with no network.")
		comment(p, q.Key, "Typed with no network.")
		p.do("save", chromedp.Click(chromedp.CSS("#save"), chromedp.NodeVisible))
		waitStatus(p, tx.offline)
		k := keptOnDevice(p)
		if !strings.Contains(k.Draft, "Typed with no network.") || !strings.Contains(k.Pending, `"key"`) || !strings.Contains(k.Pending, "Typed+with+no+network.") {
			t.Errorf("the answers are not kept on the device while offline: %+v", k)
		}
		if r := storedResponse(t, s, id, q.Key); r != nil && r.Comment != nil && strings.Contains(*r.Comment, "no network") {
			t.Fatalf("the server has the answer although the network was cut: %+v", r)
		}
		if n := saves(t, s, id); n != before {
			t.Fatalf("%d saves applied while offline", n-before)
		}

		// 2. The connection returns: the page sends the kept save by itself.
		p.setOffline(false)
		waitStatus(p, tx.saved)
		r := storedResponse(t, s, id, q.Key)
		if r == nil || r.Comment == nil || *r.Comment != "Typed with no network." {
			t.Fatalf("the answer typed offline is not stored after the connection returned: %+v", r)
		}
		if n := saves(t, s, id); n != before+1 {
			t.Errorf("%d saves applied for one save typed offline, want 1", n-before)
		}
		if k := keptOnDevice(p); k.Draft != "" || k.Pending != "" {
			t.Errorf("the device still keeps the answers the server acknowledged: %+v", k)
		}

		// 3. The server applies a save but its answer is lost on the way
		// back: the page retries with the same key, and the server answers
		// the retry from what it kept, applying nothing again.
		before = saves(t, s, id)
		q2 := open[1]
		comment(p, q2.Key, "Sent once, answered twice.")
		answer(p, q2, "Sent once, answered twice.")
		replays := watchReplays(p, area)
		loseAnswers(p, area, func() {
			p.do("save", chromedp.Click(chromedp.CSS("#save"), chromedp.NodeVisible))
			waitStatus(p, tx.offline)
		})
		if n := saves(t, s, id); n != before+1 {
			t.Fatalf("the server applied %d saves before the answer was lost, want 1", n-before)
		}
		if k := keptOnDevice(p); k.Pending == "" {
			t.Fatal("the save whose answer was lost is not kept as pending")
		}
		// A connection that drops and returns makes the page send it again.
		p.setOffline(true)
		p.do("wait until offline", chromedp.Poll[chromedp.Void](`navigator.onLine === false`))
		p.setOffline(false)
		waitStatus(p, tx.saved)
		if n := saves(t, s, id); n != before+1 {
			t.Errorf("the retried save was applied again: %d saves, want 1", n-before)
		}
		// The retry's answer came from what the server kept. Its event may
		// still be on its way to the test: wait for it.
		select {
		case <-replays:
		case <-p.ctx.Done():
			t.Error("the retry's answer is not marked Idempotent-Replay")
		}
		if r := storedResponse(t, s, id, q2.Key); r == nil || r.Comment == nil || *r.Comment != "Sent once, answered twice." {
			t.Errorf("the save is not stored: %+v", r)
		}
	})
}

// loseAnswers runs fn while the answers to POSTs to path are dropped on
// their way back to the page: the server has handled the request, the page
// sees a network error.
func loseAnswers(p *page, path string, fn func()) {
	p.t.Helper()
	ctx, cancel := context.WithCancel(p.ctx)
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ev, err := range paused {
			if err != nil {
				return
			}
			if ev.Request.Method == "POST" && ev.ResponseStatusCode != 0 {
				chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonConnectionReset})
			} else {
				chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			}
		}
	}()
	p.do("intercept the answers", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
			{URLPattern: p.site.URL + path, RequestStage: fetch.RequestStageResponse},
		}})
		return err
	}))
	fn()
	p.do("stop intercepting", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, fetch.Disable, cdp.Empty{})
		return err
	}))
	cancel()
	wg.Wait()
}

// watchReplays signals, from now on, each answer to a request for path
// that the server marked Idempotent-Replay.
func watchReplays(p *page, path string) <-chan struct{} {
	ctx, cancel := context.WithCancel(p.ctx)
	p.t.Cleanup(cancel)
	responses := chromedp.Events(ctx, network.ResponseReceived)
	replays := make(chan struct{}, 16)
	go func() {
		for ev, err := range responses {
			if err != nil {
				return
			}
			if ev.Response.URL != p.site.URL+path {
				continue
			}
			for name, v := range ev.Response.Headers {
				if strings.EqualFold(name, "Idempotent-Replay") && fmt.Sprint(v) == "true" {
					select {
					case replays <- struct{}{}:
					default:
					}
				}
			}
		}
	}()
	return replays
}
