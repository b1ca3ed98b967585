package account

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/reqinfo"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Sign-in throttling (RULES.md §3): the rule is auth.Throttle's; the
// counts live in the database (store.SignInThrottle), so that every
// instance on it shares them.

// signInKeys are the throttling keys of a sign-in for email by the client
// of ctx: the pair (address and email) and the address.
func signInKeys(ctx context.Context, email string) (pair, addr string) {
	a := auth.ThrottleAddr(reqinfo.From(ctx).ClientAddr)
	return auth.PairKey(a, email), auth.AddrKey(a)
}

// throttle is the rule in force: Service.Throttle, or the defaults.
func (s *Service) throttle() auth.Throttle {
	if s.Throttle == (auth.Throttle{}) {
		return auth.DefaultThrottle()
	}
	return s.Throttle
}

func throttleCount(r store.SignInThrottle) auth.ThrottleCount {
	return auth.ThrottleCount{Failures: r.Failures, WindowStart: r.WindowStart, LockedUntil: r.LockedUntil}
}

// signInAllowed reports whether a sign-in with these keys may be tried at
// now, and if not, how long until it may; pairStored tells whether the pair
// has a row (for signInSucceeded to delete). One read, no lock, no write.
func (s *Service) signInAllowed(ctx context.Context, pair, addr string, now time.Time) (ok bool, retry time.Duration, pairStored bool, err error) {
	rows, err := store.ThrottleRows(ctx, s.DB, pair, addr)
	if err != nil {
		return false, 0, false, err
	}
	p, pairStored := rows[pair]
	ok, retry = s.throttle().Allowed(throttleCount(p), throttleCount(rows[addr]), now)
	return ok, retry, pairStored, nil
}

// recordTimeout bounds the writing of a failure, which goes on when the
// client has gone: leaving before the answer must not save a guess from
// being counted.
const recordTimeout = 10 * time.Second

// signInFailed counts a failed sign-in under both keys, in one transaction
// that holds the two rows (pair first, then address, always in that
// order), so that concurrent failures on any instance take turns and none
// is lost; it deletes the expired rows of any key on the way, which keeps
// the table bounded.
func (s *Service) signInFailed(ctx context.Context, pair, addr string, now time.Time) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	th := s.throttle()
	return s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		rows, err := store.LockThrottle(ctx, tx, now, pair, addr)
		if err != nil {
			return err
		}
		for _, k := range []struct {
			key  string
			rule auth.ThrottleRule
		}{{pair, th.Pair}, {addr, th.Addr}} {
			c := k.rule.Fail(throttleCount(rows[k.key]), now)
			row := &store.SignInThrottle{Key: k.key, Failures: c.Failures, WindowStart: c.WindowStart,
				LockedUntil: c.LockedUntil, ExpiresAt: k.rule.Expires(c)}
			if err := store.PutThrottle(ctx, tx, row); err != nil {
				return err
			}
		}
		_, err = store.DeleteExpiredThrottle(ctx, tx, now)
		return err
	})
}

// signInSucceeded forgets the failures of the pair (a correct sign-in
// resets the count of its address and email). The address keeps its count:
// an account of one's own must not reset the count of guesses at others.
func (s *Service) signInSucceeded(ctx context.Context, pair string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := store.DeleteThrottle(ctx, s.DB, pair); err != nil && s.Log != nil {
		s.Log.WarnContext(ctx, "sign-in throttling: could not reset the count after a sign-in", "err", err)
	}
}
