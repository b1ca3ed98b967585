package gaps

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/gendertrack/gendertrack/internal/plan"
	"github.com/gendertrack/gendertrack/internal/store"
)

// Scope is the part of the data a detection looks at: every institution
// (All) or the listed ones, and optionally only some plans. With Plans set,
// the flags that belong to an institution alone (FINDING_UNADDRESSED, and
// MANUAL flags raised without a plan) are left out.
type Scope struct {
	All          bool
	Institutions []int64
	Plans        []int64
}

// empty reports whether the scope can hold no flag at all.
func (sc Scope) empty() bool {
	return (!sc.All && len(sc.Institutions) == 0) || (sc.Plans != nil && len(sc.Plans) == 0)
}

// planCond restricts a query to the plans of the scope; p is the alias of
// action_plans in the query.
func (sc Scope) planCond(p string) (string, []any) {
	var b strings.Builder
	var args []any
	if !sc.All {
		b.WriteString(" AND " + p + ".institution_id IN (?)")
		args = append(args, bun.List(sc.Institutions))
	}
	if sc.Plans != nil {
		b.WriteString(" AND " + p + ".id IN (?)")
		args = append(args, bun.List(sc.Plans))
	}
	return b.String(), args
}

// hit is one automatic flag found by a rule query: the columns every rule
// query selects, in this order.
type hit struct {
	Rule          string  `bun:"rule"`
	SubjectType   string  `bun:"subject_type"`
	SubjectID     int64   `bun:"subject_id"`
	PlanID        int64   `bun:"plan_id"`
	InstitutionID int64   `bun:"institution_id"`
	ActionID      int64   `bun:"action_id"`
	Category      string  `bun:"category"`
	Severity      string  `bun:"severity"`
	Label         string  `bun:"label"`
	Detail        *string `bun:"detail"`
}

// dialect writes the few expressions that differ between PostgreSQL and
// SQLite.
type dialect struct{ pg bool }

// day is the UTC calendar day 'YYYY-MM-DD' of a timestamp column, so that
// timestamps compare with dates as strings on both databases.
func (d dialect) day(col string) string {
	if d.pg {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "substr(" + col + ", 1, 10)"
}

// sinceDay is the placeholder and argument that compare a timestamp column
// with the start (UTC) of a day, so the column is compared as stored, not
// formatted row by row. SQLite keeps timestamps as UTC text that begins
// with the day, which sorts after the bare day from its first instant.
func (d dialect) sinceDay(day time.Time) (string, any) {
	if d.pg {
		return "CAST(? AS TIMESTAMPTZ)", store.FormatDate(day) + "T00:00:00Z"
	}
	return "?", store.FormatDate(day)
}

// ruleQuery is the SQL of one rule over a scope, selecting the columns of
// hit. today is 'YYYY-MM-DD'.
type ruleQuery func(d dialect, sc Scope, c Config, today time.Time) (string, []any)

const (
	live       = "('DRAFT', 'ADOPTED')"
	resultLvls = "('OUTCOME', 'IMPACT')"
)

// planStatus is the plan condition of a rule: DRAFT and ADOPTED plans, or
// ADOPTED ones only.
func planStatus(rule string) string {
	if byRule[rule].adopted {
		return "p.status = 'ADOPTED'"
	}
	return "p.status IN " + live
}

// actionRule is a rule whose subject is an action of a plan in scope.
func actionRule(rule, cond string, detail string) func(d dialect, sc Scope, c Config, today time.Time) (string, []any) {
	if detail == "" {
		detail = "CAST(NULL AS TEXT)"
	}
	return func(d dialect, sc Scope, c Config, today time.Time) (string, []any) {
		r := byRule[rule]
		sc1, args := sc.planCond("p")
		q := "SELECT '" + rule + "' AS rule, 'Action' AS subject_type, a.id AS subject_id, a.plan_id AS plan_id, a.institution_id AS institution_id, a.id AS action_id, '" +
			r.category + "' AS category, '" + r.severity + "' AS severity, a.title AS label, " + detail + " AS detail" +
			" FROM actions a JOIN action_plans p ON p.id = a.plan_id WHERE " + planStatus(rule) + sc1 + " AND " + cond
		return q, args
	}
}

// unitRule is a rule whose subject is a unit leading a non-cancelled action
// of a plan in scope: one hit per unit and plan. cond may use the scope's
// conditions on units (?units) and on plans (?plans, for the alias ds of
// disseminations): without them PostgreSQL hashed every unit and
// dissemination of the database to judge one plan's lead units.
func unitRule(rule, cond string) ruleQuery {
	return func(d dialect, sc Scope, c Config, today time.Time) (string, []any) {
		r := byRule[rule]
		sc1, args := sc.planCond("p")
		units := ""
		if !sc.All {
			units = " AND u.institution_id IN (?)"
		}
		q := "SELECT '" + rule + "' AS rule, 'Unit' AS subject_type, u.id AS subject_id, lu.plan_id AS plan_id, lu.institution_id AS institution_id, 0 AS action_id, '" +
			r.category + "' AS category, '" + r.severity + "' AS severity, u.name AS label, lu.plan_title AS detail" +
			" FROM (SELECT DISTINCT a.lead_unit_id AS unit_id, a.plan_id AS plan_id, p.institution_id AS institution_id, p.title AS plan_title" +
			" FROM actions a JOIN action_plans p ON p.id = a.plan_id" +
			" WHERE " + planStatus(rule) + sc1 + " AND a.status <> 'CANCELLED' AND a.lead_unit_id IS NOT NULL) lu" +
			" JOIN units u ON u.id = lu.unit_id" + units + " WHERE "
		if !sc.All {
			args = append(args, bun.List(sc.Institutions))
		}
		// The rule's closure is shared by every detection: cond must stay
		// as written, ?plans and all, for the next scope.
		where := cond
		if strings.Contains(cond, "?plans") {
			plans := ""
			if sc.Plans != nil {
				plans = " AND ds.plan_id IN (?)"
				args = append(args, bun.List(sc.Plans))
			}
			where = strings.Replace(cond, "?plans", plans, 1)
		}
		return q + where, args
	}
}

// queries are the SQL rules, by rule name. INDICATOR_OFF_TRACK is not here:
// its candidates are selected by offTrackQuery and judged in Go by
// plan.IndicatorStatus, the very rule Indicator.status uses.
var queries = map[string]ruleQuery{
	ActionWithoutLeadUnit: actionRule(ActionWithoutLeadUnit,
		"a.status <> 'CANCELLED' AND a.lead_unit_id IS NULL", ""),

	ActionWithoutResources: actionRule(ActionWithoutResources,
		"a.status <> 'CANCELLED' AND NOT EXISTS (SELECT 1 FROM resource_requirements r WHERE r.action_id = a.id)", ""),

	ResourceGap: func(d dialect, sc Scope, c Config, today time.Time) (string, []any) {
		sc1, args := sc.planCond("p")
		q := "SELECT '" + ResourceGap + "' AS rule, 'ResourceRequirement' AS subject_type, r.id AS subject_id, a.plan_id AS plan_id, a.institution_id AS institution_id, a.id AS action_id," +
			" 'RESOURCES' AS category, CASE WHEN r.funding_status = 'UNSECURED' THEN 'HIGH' ELSE 'MEDIUM' END AS severity, r.description AS label, r.funding_status AS detail" +
			" FROM resource_requirements r JOIN actions a ON a.id = r.action_id JOIN action_plans p ON p.id = a.plan_id" +
			" WHERE " + planStatus(ResourceGap) + sc1 + " AND a.status NOT IN ('COMPLETED', 'CANCELLED') AND r.funding_status <> 'SECURED'"
		return q, args
	},

	ActionOverdue: func(d dialect, sc Scope, c Config, today time.Time) (string, []any) {
		q, args := actionRule(ActionOverdue,
			"a.due_date IS NOT NULL AND a.due_date < ? AND a.status NOT IN ('COMPLETED', 'CANCELLED')", "a.due_date")(d, sc, c, today)
		return q, append(args, store.FormatDate(today))
	},

	ActionStale: func(d dialect, sc Scope, c Config, today time.Time) (string, []any) {
		// An update on the day StaleDays ago still counts as "in the last
		// StaleDays days".
		since, arg := d.sinceDay(today.AddDate(0, 0, -c.StaleDays))
		q, args := actionRule(ActionStale,
			"a.status IN ('IN_PROGRESS', 'BLOCKED') AND NOT EXISTS (SELECT 1 FROM progress_updates pu WHERE pu.action_id = a.id AND pu.created_at >= "+since+")", "")(d, sc, c, today)
		return q, append(args, arg)
	},

	FindingUnaddressed: func(d dialect, sc Scope, c Config, today time.Time) (string, []any) {
		var args []any
		q := "SELECT '" + FindingUnaddressed + "' AS rule, 'Finding' AS subject_type, f.id AS subject_id, 0 AS plan_id, f.institution_id AS institution_id, 0 AS action_id," +
			" f.category AS category, f.severity AS severity, f.title AS label, f.title_i18n AS detail" +
			" FROM findings f WHERE f.severity IN ('MEDIUM', 'HIGH', 'CRITICAL')"
		if !sc.All {
			q += " AND f.institution_id IN (?)"
			args = append(args, bun.List(sc.Institutions))
		}
		q += " AND f.assessment_id = (SELECT va.id FROM assessments va WHERE va.institution_id = f.institution_id AND va.status = 'VALIDATED'" +
			" ORDER BY CASE WHEN va.validated_at IS NULL THEN 1 ELSE 0 END, va.validated_at DESC, va.id DESC LIMIT 1)" +
			" AND NOT EXISTS (SELECT 1 FROM objective_findings x JOIN objectives o ON o.id = x.objective_id JOIN action_plans p ON p.id = o.plan_id" +
			" WHERE x.finding_id = f.id AND p.institution_id = f.institution_id AND p.status IN " + live + ")" +
			" AND NOT EXISTS (SELECT 1 FROM action_findings x JOIN actions a ON a.id = x.action_id JOIN action_plans p ON p.id = a.plan_id" +
			" WHERE x.finding_id = f.id AND p.institution_id = f.institution_id AND p.status IN " + live + ")"
		return q, args
	},

	ObjectiveWithoutOutcomeIndicator: func(d dialect, sc Scope, c Config, today time.Time) (string, []any) {
		sc1, args := sc.planCond("p")
		q := "SELECT '" + ObjectiveWithoutOutcomeIndicator + "' AS rule, 'Objective' AS subject_type, o.id AS subject_id, o.plan_id AS plan_id, o.institution_id AS institution_id, 0 AS action_id," +
			" 'MONITORING' AS category, 'MEDIUM' AS severity, o.title AS label, CAST(NULL AS TEXT) AS detail" +
			" FROM objectives o JOIN action_plans p ON p.id = o.plan_id" +
			" WHERE " + planStatus(ObjectiveWithoutOutcomeIndicator) + sc1 +
			" AND NOT EXISTS (SELECT 1 FROM indicators i WHERE i.objective_id = o.id AND i.level IN " + resultLvls + ")" +
			" AND NOT EXISTS (SELECT 1 FROM indicators i JOIN actions a ON a.id = i.action_id WHERE a.objective_id = o.id AND i.level IN " + resultLvls + ")"
		return q, args
	},

	IndicatorNotMeasured: func(d dialect, sc Scope, c Config, today time.Time) (string, []any) {
		// Measured on the day UnmeasuredDays ago still counts as "in the
		// last UnmeasuredDays days"; with no measurement, the adoption day
		// stands in for the last one.
		sc1, args := sc.planCond("p")
		q := "SELECT '" + IndicatorNotMeasured + "' AS rule, 'Indicator' AS subject_type, i.id AS subject_id, i.plan_id AS plan_id, i.institution_id AS institution_id, COALESCE(i.action_id, 0) AS action_id," +
			" 'MONITORING' AS category, 'LOW' AS severity, i.name AS label, CAST(NULL AS TEXT) AS detail" +
			" FROM indicators i JOIN action_plans p ON p.id = i.plan_id" +
			" WHERE " + planStatus(IndicatorNotMeasured) + sc1 +
			" AND COALESCE((SELECT MAX(m.measured_on) FROM measurements m WHERE m.indicator_id = i.id), " + d.day("p.adopted_at") + ") < ?"
		return q, append(args, store.FormatDate(today.AddDate(0, 0, -c.UnmeasuredDays)))
	},

	PeopleIndicatorNotDisaggregated: func(d dialect, sc Scope, c Config, today time.Time) (string, []any) {
		sc1, args := sc.planCond("p")
		q := "SELECT '" + PeopleIndicatorNotDisaggregated + "' AS rule, 'Indicator' AS subject_type, i.id AS subject_id, i.plan_id AS plan_id, i.institution_id AS institution_id, COALESCE(i.action_id, 0) AS action_id," +
			" 'MONITORING' AS category, 'MEDIUM' AS severity, i.name AS label, CAST(NULL AS TEXT) AS detail" +
			" FROM indicators i JOIN action_plans p ON p.id = i.plan_id" +
			" WHERE " + planStatus(PeopleIndicatorNotDisaggregated) + sc1 +
			" AND i.counts_people AND NOT EXISTS (SELECT 1 FROM indicator_dimensions dim WHERE dim.indicator_id = i.id AND dim.kind = 'SEX')"
		return q, args
	},

	TrainingWithoutFollowUp: actionRule(TrainingWithoutFollowUp,
		"a.kind = 'TRAINING' AND a.status <> 'CANCELLED'"+
			" AND NOT EXISTS (SELECT 1 FROM indicators i WHERE i.action_id = a.id AND i.level IN "+resultLvls+")"+
			" AND NOT EXISTS (SELECT 1 FROM indicators i WHERE a.objective_id IS NOT NULL AND i.objective_id = a.objective_id AND i.level IN "+resultLvls+")", ""),

	PlanNotDisseminated: unitRule(PlanNotDisseminated,
		"NOT EXISTS (SELECT 1 FROM disseminations ds WHERE ds.plan_id = lu.plan_id AND ds.unit_id = lu.unit_id?plans)"),

	UnitWithoutFocalPoint: unitRule(UnitWithoutFocalPoint,
		"(u.gender_focal_point IS NULL OR TRIM(u.gender_focal_point) = '')"),
}

// offTrackRow is an indicator of an ADOPTED plan that has a measurement,
// with what plan.IndicatorStatus needs.
type offTrackRow struct {
	ID            int64    `bun:"id"`
	PlanID        int64    `bun:"plan_id"`
	InstitutionID int64    `bun:"institution_id"`
	ActionID      int64    `bun:"action_id"`
	Name          string   `bun:"name"`
	Baseline      *float64 `bun:"baseline"`
	Target        float64  `bun:"target"`
	BaselineDate  *string  `bun:"baseline_date"`
	TargetDate    *string  `bun:"target_date"`
	PlanStart     string   `bun:"plan_start"`
	PlanEnd       string   `bun:"plan_end"`
	Latest        float64  `bun:"latest_value"`
	LatestOn      string   `bun:"latest_on"`
}

// offTrackQuery selects, in one query, the candidates of
// INDICATOR_OFF_TRACK: indicators of ADOPTED plans that have a measurement,
// with the value of the newest one (newest measuredOn, then last recorded).
func offTrackQuery(sc Scope) (string, []any) {
	sc1, args := sc.planCond("p")
	latest := "(SELECT m.%s FROM measurements m WHERE m.indicator_id = i.id ORDER BY m.measured_on DESC, m.id DESC LIMIT 1)"
	q := "SELECT i.id, i.plan_id, i.institution_id, COALESCE(i.action_id, 0) AS action_id, i.name, i.baseline, i.target, i.baseline_date, i.target_date," +
		" p.start_date AS plan_start, p.end_date AS plan_end, " +
		strings.Replace(latest, "%s", "value", 1) + " AS latest_value, " +
		strings.Replace(latest, "%s", "measured_on", 1) + " AS latest_on" +
		" FROM indicators i JOIN action_plans p ON p.id = i.plan_id" +
		" WHERE " + planStatus(IndicatorOffTrack) + sc1 +
		" AND EXISTS (SELECT 1 FROM measurements m WHERE m.indicator_id = i.id)"
	return q, args
}

// offTrack judges the candidates of INDICATOR_OFF_TRACK with the status
// rule of RULES.md section 7.
func offTrack(rows []offTrackRow, today time.Time) []hit {
	var out []hit
	date := func(s *string) *time.Time {
		if s == nil {
			return nil
		}
		t, err := store.ParseDate(*s)
		if err != nil {
			return nil
		}
		return &t
	}
	for _, r := range rows {
		start, err1 := store.ParseDate(r.PlanStart)
		end, err2 := store.ParseDate(r.PlanEnd)
		on, err3 := store.ParseDate(r.LatestOn)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		st := plan.IndicatorStatus(r.Baseline, r.Target, date(r.BaselineDate), date(r.TargetDate), start, end,
			&plan.MeasurementPoint{Value: r.Latest, MeasuredOn: on}, today)
		if st == plan.IndicatorStatusOffTrack {
			out = append(out, hit{Rule: IndicatorOffTrack, SubjectType: "Indicator", SubjectID: r.ID, PlanID: r.PlanID,
				InstitutionID: r.InstitutionID, ActionID: r.ActionID, Category: "MONITORING", Severity: "MEDIUM", Label: r.Name})
		}
	}
	return out
}

// detect runs the rules of the set over the scope: one statement for all
// SQL rules (a UNION ALL of one query per rule) and one for the candidates
// of INDICATOR_OFF_TRACK. The statement count never depends on the data.
func (s *Service) detect(ctx context.Context, sc Scope, rules ruleSet, today time.Time) ([]hit, error) {
	d := dialect{pg: s.DB.Postgres}
	var parts []string
	var args []any
	for _, r := range catalogue {
		q := queries[r.rule]
		if q == nil || !rules.has(r.rule) {
			continue
		}
		if r.rule == FindingUnaddressed && sc.Plans != nil {
			continue // belongs to the institution alone, never to a plan
		}
		sql, a := q(d, sc, s.config(), today)
		parts = append(parts, sql)
		args = append(args, a...)
	}
	var hits []hit
	if len(parts) > 0 {
		// Its text is the same for an institution all day: on PostgreSQL
		// it is prepared once per connection and its plan kept, where
		// planning the twelve rules' union took 10 ms, a third of a
		// derivation, and every change to an institution makes its next
		// reader derive again.
		if err := s.DB.SelectKept(ctx, s.DB.NewRaw(strings.Join(parts, " UNION ALL "), args...), &hits); err != nil {
			return nil, err
		}
	}
	if rules.has(IndicatorOffTrack) {
		q, a := offTrackQuery(sc)
		var rows []offTrackRow
		if err := s.DB.NewRaw(q, a...).Scan(ctx, &rows); err != nil {
			return nil, err
		}
		hits = append(hits, offTrack(rows, today)...)
	}
	return hits, nil
}

// ruleSet is the set of rules a read evaluates; nil means all.
type ruleSet map[string]bool

func (rs ruleSet) has(rule string) bool { return rs == nil || rs[rule] }
