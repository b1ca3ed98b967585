package account

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/audit"
	"github.com/gendertrack/gendertrack/internal/auth"
	"github.com/gendertrack/gendertrack/internal/errs"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
	"github.com/gendertrack/gendertrack/internal/store"
)

// SetLanguage remembers the language the signed-in user chose in the web
// workspace (RULES.md §9: it wins over Accept-Language). Only a user signed
// in with a token changes its own; the change is audited and increments the
// user's version. Choosing the language already stored changes nothing.
func (s *Service) SetLanguage(ctx context.Context, lang string) error {
	a := auth.ActorFrom(ctx)
	if a == nil || a.UserID == 0 || a.APIKeyID > 0 {
		return errs.ErrUnauthenticated
	}
	l := i18n.Supported(lang)
	if l == "" {
		return errs.New(errs.Invalid, "Unknown language.", "input", "language")
	}
	now := s.Now().UTC()
	return s.DB.Tx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var u store.User
		if err := tx.NewSelect().Model(&u).Where("id = ?", a.UserID).Scan(ctx); err != nil {
			return errs.NotFoundIf(err, "user", "input", "language")
		}
		if u.Language != nil && *u.Language == l {
			return nil
		}
		if _, err := tx.NewUpdate().Model((*store.User)(nil)).Set("language = ?", l).Set("version = version + 1").
			Where("id = ?", u.ID).Exec(ctx); err != nil {
			return err
		}
		var before any
		if u.Language != nil {
			before = *u.Language
		}
		return audit.Record(ctx, tx, now, audit.Event{Operation: "setLanguage", SubjectID: gid.Encode(gid.User, u.ID),
			Changes: map[string][2]any{"language": {before, l}}, FlagNeutral: true})
	})
}
