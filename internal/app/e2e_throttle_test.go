package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/store"
	"github.com/gendertrack/gendertrack/internal/store/storetest"
)

// from returns a view of e whose requests come from the loopback address
// ip: Linux routes all of 127.0.0.0/8 to the loopback interface, so a
// connection dialled from 127.0.0.2 reaches the server as 127.0.0.2.
func (e *env) from(ip string) *env {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	v := *e
	v.client = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		DisableKeepAlives: true,
	}}
	return &v
}

// try signs in and returns the answer, token or userErrors.
func (e *env) try(email, password string) *resp {
	e.t.Helper()
	return e.gql("", `mutation($e:String!,$p:String!){ login(input:{email:$e,password:$p}){ token userErrors{code field message} } }`,
		map[string]any{"e": email, "p": password}).OK()
}

// refused fails the test unless r is a sign-in refused by the throttle,
// saying to try again in mins minutes.
func refused(t *testing.T, r *resp, mins int) {
	t.Helper()
	want := fmt.Sprintf("try again in %d minute(s)", mins)
	if r.Get("login.token") != nil || strings.Join(r.UserErrors("login"), " ") != "INVALID@input" ||
		!strings.Contains(r.Str("login.userErrors.0.message"), "Too many failed sign-ins") ||
		!strings.Contains(r.Str("login.userErrors.0.message"), want) {
		t.Fatalf("want a refusal saying %q: %s", want, r.Raw)
	}
}

// wrong fails the test unless r is the answer to a wrong email or password.
func wrong(t *testing.T, r *resp) {
	t.Helper()
	if r.Get("login.token") != nil || strings.Join(r.UserErrors("login"), " ") != "INVALID@input" ||
		r.Str("login.userErrors.0.message") != "The email or password is wrong." {
		t.Fatalf("want the wrong-credentials answer: %s", r.Raw)
	}
}

func signedIn(t *testing.T, r *resp) {
	t.Helper()
	if r.Str("login.token") == "" || len(r.UserErrors("login")) != 0 {
		t.Fatalf("want a sign-in: %s", r.Raw)
	}
}

// Failures slow down the address (and that address's attempts on the
// email) that makes them, never a correct sign-in from elsewhere; refused
// attempts count as no further failure; locks end after their time.
func TestSignInThrottleByAddress(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		f := &fixture{e: e, admin: e.admin()}
		f.mkUser("colleague@example.org")
		attacker, victim, spray := e.from("127.0.0.2"), e.from("127.0.0.3"), e.from("127.0.0.4")

		// Five failures on one email from one address lock that pair.
		for range 5 {
			wrong(t, attacker.try(adminEmail, "wrong-password"))
		}
		refused(t, attacker.try(adminEmail, adminPassword), 15)
		for range 5 { // refused, so not counted
			refused(t, attacker.try(adminEmail, "wrong-password"), 15)
		}
		// The owner signs in from another address all the while.
		signedIn(t, victim.try(adminEmail, adminPassword))
		// The attacker's address may still sign in to another email.
		signedIn(t, attacker.try("colleague@example.org", "a-password-1"))

		// 20 failures from one address over any emails lock the address.
		// The attacker has 5 counted failures: 14 more leave it open (the
		// five refused attempts above did not count), the 15th locks it.
		for i := range 14 {
			wrong(t, attacker.try(fmt.Sprintf("guess%d@example.org", i), "whatever-pw"))
		}
		signedIn(t, attacker.try("colleague@example.org", "a-password-1"))
		wrong(t, attacker.try("last-guess@example.org", "whatever-pw"))
		refused(t, attacker.try("colleague@example.org", "a-password-1"), 15)
		signedIn(t, victim.try("colleague@example.org", "a-password-1"))

		// An address that only sprays unknown emails locks itself alone.
		for i := range 20 {
			wrong(t, spray.try(fmt.Sprintf("nobody%d@example.org", i), "whatever-pw"))
		}
		refused(t, spray.try(adminEmail, adminPassword), 15)
		signedIn(t, victim.try(adminEmail, adminPassword))

		// The locks end after 15 minutes, to the minute.
		e.clock.Set(e.clock.Now().Add(14 * time.Minute))
		refused(t, attacker.try(adminEmail, adminPassword), 1)
		refused(t, spray.try(adminEmail, adminPassword), 1)
		e.clock.Set(e.clock.Now().Add(time.Minute))
		signedIn(t, attacker.try(adminEmail, adminPassword))
		signedIn(t, spray.try(adminEmail, adminPassword))
	}, withAdmin)
}

// Two instances on one database share the throttling state: failures
// through one, refusal through the other, for that address only.
func TestSignInThrottleSharedByInstances(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		one, two, _ := twoServers(t, dsn)
		for range 5 {
			wrong(t, one.from("127.0.0.2").try(adminEmail, "wrong-password"))
		}
		refused(t, two.from("127.0.0.2").try(adminEmail, adminPassword), 15)
		signedIn(t, two.from("127.0.0.3").try(adminEmail, adminPassword))
		for _, e := range []*env{one, two} {
			e.clock.Set(e.clock.Now().Add(15 * time.Minute))
		}
		signedIn(t, two.from("127.0.0.2").try(adminEmail, adminPassword))
	})
}

// Failures written at once through two instances are all counted and none
// errs: eight concurrent failures from one address on one email, four
// through each server, lock the pair (five suffice), and the address
// counts every one that was answered as a wrong password.
func TestSignInThrottleConcurrentInstances(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dsn string) {
		one, two, _ := twoServers(t, dsn)
		answers := make(chan string, 8)
		for _, e := range []*env{one, two} {
			c := e.from("127.0.0.2").client
			for range 4 {
				go func() {
					body, _ := json.Marshal(map[string]any{
						"query":     `mutation($e:String!,$p:String!){ login(input:{email:$e,password:$p}){ token userErrors{code field message} } }`,
						"variables": map[string]any{"e": adminEmail, "p": "wrong-password"}})
					req, _ := http.NewRequest("POST", e.URL+"/graphql", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					res, err := c.Do(req)
					if err != nil {
						answers <- err.Error()
						return
					}
					raw, _ := io.ReadAll(res.Body)
					res.Body.Close()
					answers <- fmt.Sprintf("HTTP %d: %s", res.StatusCode, raw)
				}()
			}
		}
		counted := 0
		for range 8 {
			a := <-answers
			switch {
			case strings.Contains(a, "The email or password is wrong."):
				counted++
			case strings.Contains(a, "Too many failed sign-ins"):
			default:
				t.Fatalf("want a wrong-password answer or a refusal: %s", a)
			}
		}
		refused(t, two.from("127.0.0.2").try(adminEmail, adminPassword), 15)
		refused(t, one.from("127.0.0.2").try(adminEmail, adminPassword), 15)
		signedIn(t, one.from("127.0.0.3").try(adminEmail, adminPassword))

		db := storetest.Open(t, dsn)
		rows, err := store.ThrottleRows(context.Background(), db, auth.AddrKey("127.0.0.2"))
		if err != nil {
			t.Fatal(err)
		}
		if got := rows[auth.AddrKey("127.0.0.2")].Failures; counted < 5 || got != counted {
			t.Fatalf("%d failures answered, the address counts %d", counted, got)
		}
	})
}
