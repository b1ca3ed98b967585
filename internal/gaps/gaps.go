package gaps

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/authz"
	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Config holds the configurable periods of the rules.
type Config struct {
	// StaleDays: ACTION_STALE is raised after this many days without a
	// progress update (default 90).
	StaleDays int
	// UnmeasuredDays: INDICATOR_NOT_MEASURED is raised after this many days
	// without a measurement (default 180).
	UnmeasuredDays int
}

// DefaultConfig is the configuration of RULES.md section 8.
func DefaultConfig() Config { return Config{StaleDays: 90, UnmeasuredDays: 180} }

// Service computes gap flags and keeps their states.
type Service struct {
	DB     *store.DB
	Guard  *authz.Guard
	Now    func() time.Time
	Config Config

	cache flagCache
}

func (s *Service) config() Config {
	c := s.Config
	def := DefaultConfig()
	if c.StaleDays <= 0 {
		c.StaleDays = def.StaleDays
	}
	if c.UnmeasuredDays <= 0 {
		c.UnmeasuredDays = def.UnmeasuredDays
	}
	return c
}

// Rules is the catalogue of automatic rules with descriptions in lang.
func (s *Service) Rules(lang string) []RuleInfo { return s.config().Rules(lang) }

// StoredFlag is a row of gap_flags: the stored state of an automatic flag
// (FlagKey set) or a MANUAL flag (FlagKey nil).
type StoredFlag struct {
	bun.BaseModel `bun:"table:gap_flags"`

	ID            int64      `bun:"id,pk,autoincrement"`
	InstitutionID int64      `bun:"institution_id,notnull"`
	PlanID        *int64     `bun:"plan_id"`
	Rule          string     `bun:"rule,notnull"`
	FlagKey       *string    `bun:"flag_key"`
	SubjectType   *string    `bun:"subject_type"`
	SubjectID     *int64     `bun:"subject_id"`
	ActionID      *int64     `bun:"action_id"`
	Category      string     `bun:"category,notnull"`
	Severity      string     `bun:"severity,notnull"`
	Message       *string    `bun:"message"`
	Label         *string    `bun:"label"`
	Detail        *string    `bun:"detail"`
	State         string     `bun:"state,notnull"`
	Note          *string    `bun:"note"`
	DetectedAt    time.Time  `bun:"detected_at,notnull"`
	ResolvedAt    *time.Time `bun:"resolved_at"`
	RaisedBy      *int64     `bun:"raised_by"`
	Version       int        `bun:"version,notnull"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
	UpdatedAt     time.Time  `bun:"updated_at,notnull"`
}

// Flag is one gap flag as the API shows it (GraphQL GapFlag).
type Flag struct {
	// ID is the flag's global ID: for an automatic flag it encodes the key
	// (rule, subject, plan), so it is the same on every read.
	ID       string
	Rule     string
	Category string
	Severity string
	State    string
	Message  string
	// InstitutionID and PlanID (nil when the flag belongs to the
	// institution alone).
	InstitutionID int64
	PlanID        *int64
	// SubjectType is the GraphQL type of the subject ("" when a MANUAL flag
	// has none) and SubjectID its row id.
	SubjectType string
	SubjectID   int64
	// ActionID is the action the subject is or belongs to (0 when none).
	ActionID   int64
	DetectedAt time.Time
	Note       *string
}

// Key identifies an automatic flag: rule, subject and plan (0 when none).
type Key struct {
	Rule        string
	SubjectType string
	SubjectID   int64
	PlanID      int64
}

// String is the stored flag_key: "<rule>:<subject type>:<subject id>:<plan>".
func (k Key) String() string {
	return k.Rule + ":" + k.SubjectType + ":" + strconv.FormatInt(k.SubjectID, 10) + ":" + strconv.FormatInt(k.PlanID, 10)
}

// ID is the global ID of the automatic flag with key k.
func (k Key) ID() string {
	return gid.EncodeKey(gid.GapFlag, k.SubjectID, k.Rule+":"+k.SubjectType+":"+strconv.FormatInt(k.PlanID, 10))
}

// ManualID is the global ID of the MANUAL flag stored in row id.
func ManualID(id int64) string { return gid.Encode(gid.GapFlag, id) }

// ParseID reads a flag's global ID: the key of an automatic flag, or the
// row id of a MANUAL one.
func ParseID(g string) (k Key, manual int64, ok bool) {
	if typ, id, ok := gid.Decode(g); ok {
		return Key{}, id, typ == gid.GapFlag
	}
	typ, subject, rest, ok := gid.DecodeKey(g)
	if !ok || typ != gid.GapFlag {
		return Key{}, 0, false
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 3 || byRule[parts[0]] == nil || parts[1] != byRule[parts[0]].subject.String() {
		return Key{}, 0, false
	}
	p, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || p < 0 {
		return Key{}, 0, false
	}
	k = Key{Rule: parts[0], SubjectType: parts[1], SubjectID: subject, PlanID: p}
	if k.ID() != g {
		return Key{}, 0, false // only the canonical spelling ("…:01" is not "…:1")
	}
	return k, 0, true
}

func (h *hit) key() Key {
	return Key{Rule: h.Rule, SubjectType: h.SubjectType, SubjectID: h.SubjectID, PlanID: h.PlanID}
}

// Filter selects flags (GraphQL GapFlagFilter). Empty lists do not filter;
// nil States means OPEN and ACKNOWLEDGED.
type Filter struct {
	InstitutionID *int64
	PlanID        *int64
	Rules         []string
	Categories    []string
	MinSeverity   string
	States        []string
}

// ruleSet is the set of rules the filter can match, nil for all.
func (f Filter) ruleSet() ruleSet {
	if len(f.Rules) == 0 && len(f.Categories) == 0 {
		return nil
	}
	rs := ruleSet{}
	for _, r := range append(AutomaticRules(), Manual) {
		if len(f.Rules) > 0 && !slices.Contains(f.Rules, r) {
			continue
		}
		if c := RuleCategory(r); len(f.Categories) > 0 && c != "" && !slices.Contains(f.Categories, c) {
			continue
		}
		rs[r] = true
	}
	return rs
}

// match reports whether a flag passes the filter's rules, categories,
// severity and states.
func (f Filter) match(fl *Flag) bool {
	states := f.States
	if len(states) == 0 {
		states = DefaultStates
	}
	return slices.Contains(states, fl.State) &&
		(len(f.Rules) == 0 || slices.Contains(f.Rules, fl.Rule)) &&
		(len(f.Categories) == 0 || slices.Contains(f.Categories, fl.Category)) &&
		(f.MinSeverity == "" || SeverityRank(fl.Severity) >= SeverityRank(f.MinSeverity))
}

// Sort orders flags as lists show them: most severe first, then oldest
// detectedAt first, then by id.
func Sort(fs []Flag) {
	slices.SortFunc(fs, func(a, b Flag) int { return compare(&a, &b) })
}

// compare is the order of Sort.
func compare(a, b *Flag) int {
	if c := cmp.Compare(SeverityRank(b.Severity), SeverityRank(a.Severity)); c != 0 {
		return c
	}
	if c := a.DetectedAt.Compare(b.DetectedAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// readable narrows a scope to the institutions the actor may read.
func (s *Service) readable(ctx context.Context, sc Scope) Scope {
	r := s.Guard.Readable(ctx)
	switch {
	case r.All:
	case sc.All:
		sc.All, sc.Institutions = false, r.IDs
	default:
		var ids []int64
		for _, id := range sc.Institutions {
			if r.Has(id) {
				ids = append(ids, id)
			}
		}
		sc.Institutions = ids
	}
	return sc
}

// List returns every flag the filter selects among the institutions the
// actor may read, sorted (see Sort), with messages in lang.
func (s *Service) List(ctx context.Context, f Filter, lang string) ([]Flag, error) {
	sc := Scope{All: true}
	if f.InstitutionID != nil {
		sc = Scope{Institutions: []int64{*f.InstitutionID}}
	}
	if f.PlanID != nil {
		sc.Plans = []int64{*f.PlanID}
	}
	all, err := s.flags(ctx, s.readable(ctx, sc), f.ruleSet(), lang)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for i := range all {
		if f.match(&all[i]) {
			out = append(out, all[i])
		}
	}
	Sort(out)
	return out, nil
}

// Counts are the open flags (OPEN or ACKNOWLEDGED) of a plan or an
// institution.
type Counts struct {
	Open       int
	ByCategory map[string]int
}

// CategoryCount is one entry of Counts.List.
type CategoryCount struct {
	Category string
	Count    int
}

// List gives the count of every category in enum order, zeros included.
func (c Counts) List() []CategoryCount {
	out := make([]CategoryCount, len(Categories))
	for i, cat := range Categories {
		out[i] = CategoryCount{Category: cat, Count: c.ByCategory[cat]}
	}
	return out
}

func counts(ids []int64, m map[int64][]*Flag) map[int64]Counts {
	out := make(map[int64]Counts, len(ids))
	for _, id := range ids {
		c := Counts{ByCategory: map[string]int{}}
		for _, f := range m[id] {
			c.Open++
			c.ByCategory[f.Category]++
		}
		out[id] = c
	}
	return out
}

// flags computes every flag of the scope for the rule set, in every state,
// merged with the stored states, and stores what this read learned: the
// first sighting of new flags, flags whose condition stopped holding
// (resolved_at) or came back (ACKNOWLEDGED turns OPEN again; DISMISSED
// stays), and the snapshot shown for RESOLVED flags.
func (s *Service) flags(ctx context.Context, sc Scope, rules ruleSet, lang string) ([]Flag, error) {
	if sc.empty() {
		return nil, nil
	}
	now := s.Now().UTC().Truncate(time.Microsecond)
	today := store.DateOf(now)
	hits, err := s.detect(ctx, sc, rules, today)
	if err != nil {
		return nil, err
	}
	stored, err := s.stored(ctx, sc, rules)
	if err != nil {
		return nil, err
	}
	cfg := s.config()
	byKey := make(map[string]*StoredFlag, len(stored))
	for i := range stored {
		if k := stored[i].FlagKey; k != nil {
			byKey[*k] = &stored[i]
		}
	}

	var (
		out             []Flag
		inserts         []StoredFlag
		reopen, resolve []int64
		refresh         []*StoredFlag
		seen            = make(map[string]bool, len(hits))
	)
	for i := range hits {
		h := &hits[i]
		k := h.key()
		ks := k.String()
		if seen[ks] {
			continue
		}
		seen[ks] = true
		detail := deref(h.Detail)
		label := h.Label
		if h.Rule == FindingUnaddressed {
			label, detail = localized(h.Label, detail, lang), ""
		}
		f := Flag{ID: k.ID(), Rule: h.Rule, Category: h.Category, Severity: h.Severity, State: Open,
			Message: cfg.message(h.Rule, lang, label, detail), InstitutionID: h.InstitutionID,
			SubjectType: h.SubjectType, SubjectID: h.SubjectID, ActionID: h.ActionID, DetectedAt: now}
		if h.PlanID != 0 {
			f.PlanID = &h.PlanID
		}
		row := byKey[ks]
		if row == nil {
			inserts = append(inserts, newRow(h, ks, now))
			out = append(out, f)
			continue
		}
		f.DetectedAt, f.State, f.Note = row.DetectedAt.UTC(), row.State, row.Note
		if row.ResolvedAt != nil {
			// The condition holds again after it was seen not to.
			reopen = append(reopen, row.ID)
			if row.State == Acknowledged {
				f.State, f.Note = Open, nil
			}
		}
		if row.Category != h.Category || row.Severity != h.Severity || deref(row.Label) != h.Label || deref(row.Detail) != deref(h.Detail) {
			row.Category, row.Severity, row.Label, row.Detail = h.Category, h.Severity, &h.Label, h.Detail
			refresh = append(refresh, row)
		}
		out = append(out, f)
	}
	for i := range stored {
		row := &stored[i]
		if row.FlagKey == nil {
			if rules.has(Manual) {
				out = append(out, manualFlag(row))
			}
			continue
		}
		if seen[*row.FlagKey] || !rules.has(row.Rule) {
			continue
		}
		// Stored but no longer detected: the condition stopped holding.
		if row.ResolvedAt == nil {
			resolve = append(resolve, row.ID)
		}
		out = append(out, s.resolvedFlag(row, lang))
	}
	if err := s.persist(ctx, now, inserts, reopen, resolve, refresh); err != nil {
		return nil, err
	}
	return out, nil
}

// stored loads the stored flags of the scope (automatic ones only for the
// rules evaluated).
func (s *Service) stored(ctx context.Context, sc Scope, rules ruleSet) ([]StoredFlag, error) {
	var rows []StoredFlag
	a := s.DB.Args() // bound: every derivation runs it (store.Args)
	q := s.DB.NewSelect().Model(&rows)
	if !sc.All {
		q = q.Where("?", a.In("institution_id", sc.Institutions))
	}
	if sc.Plans != nil {
		q = q.Where("?", a.In("plan_id", sc.Plans))
	}
	if rules != nil {
		names := make([]string, 0, len(rules))
		for r := range rules {
			names = append(names, r)
		}
		slices.Sort(names)
		q = q.Where("rule IN (?)", bun.List(names))
	}
	return rows, s.DB.Select(ctx, q, a, &rows)
}

func newRow(h *hit, key string, now time.Time) StoredFlag {
	st, sid, label := h.SubjectType, h.SubjectID, h.Label
	r := StoredFlag{InstitutionID: h.InstitutionID, Rule: h.Rule, FlagKey: &key, SubjectType: &st, SubjectID: &sid,
		Category: h.Category, Severity: h.Severity, Label: &label, Detail: h.Detail, State: Open,
		DetectedAt: now, Version: 1, CreatedAt: now, UpdatedAt: now}
	if h.PlanID != 0 {
		p := h.PlanID
		r.PlanID = &p
	}
	if h.ActionID != 0 {
		a := h.ActionID
		r.ActionID = &a
	}
	return r
}

// resolvedFlag shows a stored automatic flag whose condition no longer
// holds, from the snapshot of its last sighting.
func (s *Service) resolvedFlag(row *StoredFlag, lang string) Flag {
	label, detail := deref(row.Label), deref(row.Detail)
	if row.Rule == FindingUnaddressed {
		label, detail = localized(label, detail, lang), ""
	}
	k := Key{Rule: row.Rule, SubjectType: deref(row.SubjectType), SubjectID: deref(row.SubjectID), PlanID: deref(row.PlanID)}
	return Flag{ID: k.ID(), Rule: row.Rule, Category: row.Category, Severity: row.Severity, State: Resolved,
		Message: s.config().message(row.Rule, lang, label, detail), InstitutionID: row.InstitutionID, PlanID: row.PlanID,
		SubjectType: k.SubjectType, SubjectID: k.SubjectID, ActionID: deref(row.ActionID), DetectedAt: row.DetectedAt.UTC(), Note: row.Note}
}

func manualFlag(row *StoredFlag) Flag {
	return Flag{ID: ManualID(row.ID), Rule: Manual, Category: row.Category, Severity: row.Severity, State: row.State,
		Message: deref(row.Message), InstitutionID: row.InstitutionID, PlanID: row.PlanID,
		SubjectType: deref(row.SubjectType), SubjectID: deref(row.SubjectID), ActionID: deref(row.ActionID),
		DetectedAt: row.DetectedAt.UTC(), Note: row.Note}
}

// localized picks lang from a finding's titles by language (JSON), else
// the stored title.
func localized(title, i18n, lang string) string {
	if i18n == "" {
		return title
	}
	var m map[string]string
	if json.Unmarshal([]byte(i18n), &m) == nil {
		if t := m[pickLang(lang)]; t != "" {
			return t
		}
	}
	return title
}

// persistChunk bounds the rows of one INSERT or CASE update.
const persistChunk = 2000

// persist writes what a read learned, in a constant number of statements
// per kind of change (none when nothing changed). Concurrent readers may
// race to insert the same first sighting: the unique flag_key keeps one.
func (s *Service) persist(ctx context.Context, now time.Time, inserts []StoredFlag, reopen, resolve []int64, refresh []*StoredFlag) error {
	for len(inserts) > 0 {
		n := min(len(inserts), persistChunk)
		chunk := inserts[:n]
		inserts = inserts[n:]
		if _, err := s.DB.NewInsert().Model(&chunk).On("CONFLICT (flag_key) DO NOTHING").Returning("NULL").Exec(ctx); err != nil {
			return err
		}
	}
	if len(reopen) > 0 {
		if _, err := s.DB.NewUpdate().Table("gap_flags").
			Set("resolved_at = NULL").
			Set("version = version + CASE WHEN state = ? THEN 1 ELSE 0 END", Acknowledged).
			Set("note = CASE WHEN state = ? THEN NULL ELSE note END", Acknowledged).
			Set("state = CASE WHEN state = ? THEN ? ELSE state END", Acknowledged, Open).
			Set("updated_at = ?", now).
			Where("id IN (?)", bun.List(reopen)).Exec(ctx); err != nil {
			return err
		}
	}
	if len(resolve) > 0 {
		if _, err := s.DB.NewUpdate().Table("gap_flags").Set("resolved_at = ?", now).Set("updated_at = ?", now).
			Where("id IN (?)", bun.List(resolve)).Where("resolved_at IS NULL").Exec(ctx); err != nil {
			return err
		}
	}
	for len(refresh) > 0 {
		n := min(len(refresh), persistChunk)
		chunk := refresh[:n]
		refresh = refresh[n:]
		var cat, sev, label, detail strings.Builder
		var ca, sa, la, da []any
		ids := make([]int64, n)
		for i, r := range chunk {
			ids[i] = r.ID
			cat.WriteString(" WHEN ? THEN ?")
			ca = append(ca, r.ID, r.Category)
			sev.WriteString(" WHEN ? THEN ?")
			sa = append(sa, r.ID, r.Severity)
			label.WriteString(" WHEN ? THEN ?")
			la = append(la, r.ID, r.Label)
			detail.WriteString(" WHEN ? THEN ?")
			da = append(da, r.ID, r.Detail)
		}
		if _, err := s.DB.NewUpdate().Table("gap_flags").
			Set("category = CASE id"+cat.String()+" END", ca...).
			Set("severity = CASE id"+sev.String()+" END", sa...).
			Set("label = CASE id"+label.String()+" END", la...).
			Set("detail = CASE id"+detail.String()+" END", da...).
			Where("id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
