// Package gaps holds the gap rules of RULES.md section 8 and the states of
// gap flags.
//
// Automatic flags are never stored as such: every read runs one set-based
// SQL query per rule over the institutions or plans asked for (all rules in
// one UNION ALL statement, plus one query for the indicators whose status is
// evaluated in Go), and merges the result with the stored states of table
// gap_flags. A flag therefore appears in the same request as the write that
// causes it and disappears with the write that fixes it. The first sighting
// of a flag is stored (detectedAt), and so are the states set by hand and
// MANUAL flags raised by raiseGapFlag.
package gaps

import (
	"context"
	"fmt"
	"slices"

	"github.com/gendertrack/gendertrack/internal/gid"
	"github.com/gendertrack/gendertrack/internal/i18n"
)

// Rule names (GraphQL enum GapRule).
const (
	ActionWithoutLeadUnit            = "ACTION_WITHOUT_LEAD_UNIT"
	ActionWithoutResources           = "ACTION_WITHOUT_RESOURCES"
	ResourceGap                      = "RESOURCE_GAP"
	ActionOverdue                    = "ACTION_OVERDUE"
	ActionStale                      = "ACTION_STALE"
	FindingUnaddressed               = "FINDING_UNADDRESSED"
	ObjectiveWithoutOutcomeIndicator = "OBJECTIVE_WITHOUT_OUTCOME_INDICATOR"
	IndicatorNotMeasured             = "INDICATOR_NOT_MEASURED"
	IndicatorOffTrack                = "INDICATOR_OFF_TRACK"
	TrainingWithoutFollowUp          = "TRAINING_WITHOUT_FOLLOW_UP"
	PlanNotDisseminated              = "PLAN_NOT_DISSEMINATED"
	UnitWithoutFocalPoint            = "UNIT_WITHOUT_FOCAL_POINT"
	PeopleIndicatorNotDisaggregated  = "PEOPLE_INDICATOR_NOT_DISAGGREGATED"
	Manual                           = "MANUAL"
)

// Categories in the order of the GraphQL enum GapCategory.
var Categories = []string{"STRUCTURE", "RESOURCES", "POLICY", "CAPACITY", "MONITORING", "COORDINATION", "OWNERSHIP", "TIMELINE"}

// Severities from least to most severe (GraphQL enum Severity).
var Severities = []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}

// Flag states (GraphQL enum FlagState).
const (
	Open         = "OPEN"
	Acknowledged = "ACKNOWLEDGED"
	Resolved     = "RESOLVED"
	Dismissed    = "DISMISSED"
)

// States lists every flag state in enum order.
var States = []string{Open, Acknowledged, Resolved, Dismissed}

// DefaultStates are the states a list shows when the filter names none:
// the "open" flags.
var DefaultStates = []string{Open, Acknowledged}

// SeverityRank orders severities: LOW 1 … CRITICAL 4; 0 for an unknown one.
func SeverityRank(s string) int { return slices.Index(Severities, s) + 1 }

// ValidCategory reports whether c is a GapCategory name.
func ValidCategory(c string) bool { return slices.Contains(Categories, c) }

// ValidSeverity reports whether s is a Severity name.
func ValidSeverity(s string) bool { return slices.Contains(Severities, s) }

// ValidState reports whether s is a FlagState name.
func ValidState(s string) bool { return slices.Contains(States, s) }

// Languages are the languages of rule descriptions and flag messages; the
// first is the default.
var Languages = []string{"en", "fr"}

// RuleInfo is one entry of the rule catalogue (GraphQL GapRuleInfo), with
// its description in one language.
type RuleInfo struct {
	Rule            string
	Category        string
	DefaultSeverity string
	Description     string
}

// texts is one text per language.
type texts map[string]string

// ruleDef is an automatic rule with every text it needs.
type ruleDef struct {
	rule, category, severity string
	// adopted: the rule looks at ADOPTED plans only.
	adopted bool
	// subject is the GraphQL type of the flag's subject.
	subject gid.Kind
	// description may hold one %d: the rule's configured period in days.
	description texts
	// messageFmt formats a flag's message; its verbs take, in order, the
	// subject's label, then (withDetail) the detail, then (withDays) the
	// configured period. partial is the message of RESOURCE_GAP when the
	// requirement is partly secured.
	messageFmt, partial  texts
	withDetail, withDays bool
}

// catalogue is every automatic rule in the order of the GraphQL enum.
var catalogue = []ruleDef{
	{rule: ActionWithoutLeadUnit, category: "STRUCTURE", severity: "HIGH", subject: gid.Action,
		description: texts{
			"en": "A non-cancelled action has no lead unit.",
			"fr": "Une action non annulée n'a pas d'unité responsable.",
		},
		messageFmt: texts{
			"en": "Action “%s” has no lead unit.",
			"fr": "L'action « %s » n'a pas d'unité responsable.",
		}},
	{rule: ActionWithoutResources, category: "RESOURCES", severity: "MEDIUM", subject: gid.Action,
		description: texts{
			"en": "A non-cancelled action has no resource requirement at all.",
			"fr": "Une action non annulée n'a aucun besoin en ressources.",
		},
		messageFmt: texts{
			"en": "Action “%s” has no resource requirement.",
			"fr": "L'action « %s » n'a aucun besoin en ressources.",
		}},
	{rule: ResourceGap, category: "RESOURCES", severity: "HIGH", subject: gid.ResourceRequirement,
		description: texts{
			"en": "A resource requirement of an action that is neither completed nor cancelled is not secured: HIGH when nothing is secured, MEDIUM when it is partly secured.",
			"fr": "Un besoin en ressources d'une action ni achevée ni annulée n'est pas couvert : HIGH si rien n'est obtenu, MEDIUM s'il l'est en partie.",
		},
		messageFmt: texts{
			"en": "Resource “%s” is not secured.",
			"fr": "La ressource « %s » n'est pas obtenue.",
		},
		partial: texts{
			"en": "Resource “%s” is only partly secured.",
			"fr": "La ressource « %s » n'est obtenue qu'en partie.",
		}},
	{rule: ActionOverdue, category: "TIMELINE", severity: "HIGH", subject: gid.Action, adopted: true, withDetail: true,
		description: texts{
			"en": "In an adopted plan, an action is past its due date and neither completed nor cancelled.",
			"fr": "Dans un plan adopté, une action a dépassé son échéance sans être achevée ni annulée.",
		},
		messageFmt: texts{
			"en": "Action “%s” was due on %s and is not completed.",
			"fr": "L'action « %s » devait être achevée le %s et ne l'est pas.",
		}},
	{rule: ActionStale, category: "MONITORING", severity: "LOW", subject: gid.Action, adopted: true, withDays: true,
		description: texts{
			"en": "In an adopted plan, an action in progress or blocked has had no progress update in the last %d days (configurable).",
			"fr": "Dans un plan adopté, une action en cours ou bloquée n'a reçu aucune mise à jour de progression depuis %d jours (paramétrable).",
		},
		messageFmt: texts{
			"en": "Action “%s” has had no progress update in the last %d days.",
			"fr": "L'action « %s » n'a reçu aucune mise à jour de progression depuis %d jours.",
		}},
	{rule: FindingUnaddressed, subject: gid.Finding,
		description: texts{
			"en": "A finding of MEDIUM or higher severity of the institution's most recently validated assessment is addressed by no objective and no action of any draft or adopted plan. The flag takes the finding's category and severity.",
			"fr": "Un constat de gravité MEDIUM ou plus de la dernière auto-évaluation validée de l'institution n'est traité par aucun objectif ni aucune action d'un plan en projet ou adopté. Le signalement prend la catégorie et la gravité du constat.",
		},
		messageFmt: texts{
			"en": "Finding “%s” is addressed by no objective or action of a current plan.",
			"fr": "Le constat « %s » n'est traité par aucun objectif ni aucune action d'un plan en cours.",
		}},
	{rule: ObjectiveWithoutOutcomeIndicator, category: "MONITORING", severity: "MEDIUM", subject: gid.Objective,
		description: texts{
			"en": "An objective has no OUTCOME or IMPACT indicator, neither of its own nor on any of its actions.",
			"fr": "Un objectif n'a aucun indicateur de niveau OUTCOME ou IMPACT, ni en propre ni sur l'une de ses actions.",
		},
		messageFmt: texts{
			"en": "Objective “%s” has no outcome or impact indicator.",
			"fr": "L'objectif « %s » n'a aucun indicateur de résultat ou d'impact.",
		}},
	{rule: IndicatorNotMeasured, category: "MONITORING", severity: "LOW", subject: gid.Indicator, adopted: true, withDays: true,
		description: texts{
			"en": "In an adopted plan, an indicator has had no measurement in the last %d days (configurable), counting from the plan's adoption when it has none.",
			"fr": "Dans un plan adopté, un indicateur n'a pas été mesuré depuis %d jours (paramétrable), à compter de l'adoption du plan s'il ne l'a jamais été.",
		},
		messageFmt: texts{
			"en": "Indicator “%s” has not been measured in the last %d days.",
			"fr": "L'indicateur « %s » n'a pas été mesuré depuis %d jours.",
		}},
	{rule: IndicatorOffTrack, category: "MONITORING", severity: "MEDIUM", subject: gid.Indicator, adopted: true,
		description: texts{
			"en": "In an adopted plan, an indicator is off track: its progress from baseline to target lags more than 25 points behind the share of time elapsed.",
			"fr": "Dans un plan adopté, un indicateur n'est pas en bonne voie : sa progression de la valeur de référence vers la cible a plus de 25 points de retard sur la part du temps écoulé.",
		},
		messageFmt: texts{
			"en": "Indicator “%s” is off track.",
			"fr": "L'indicateur « %s » n'est pas en bonne voie.",
		}},
	{rule: TrainingWithoutFollowUp, category: "CAPACITY", severity: "MEDIUM", subject: gid.Action,
		description: texts{
			"en": "A non-cancelled training action has no OUTCOME or IMPACT indicator, neither of its own nor on its objective.",
			"fr": "Une action de formation non annulée n'a aucun indicateur de niveau OUTCOME ou IMPACT, ni en propre ni sur son objectif.",
		},
		messageFmt: texts{
			"en": "Training “%s” has no outcome or impact indicator to follow up its effect.",
			"fr": "La formation « %s » n'a aucun indicateur de résultat ou d'impact pour en suivre les effets.",
		}},
	{rule: PlanNotDisseminated, category: "OWNERSHIP", severity: "MEDIUM", subject: gid.Unit, adopted: true, withDetail: true,
		description: texts{
			"en": "In an adopted plan, a unit that leads a non-cancelled action has no record that the plan was disseminated to it. One flag per unit and plan.",
			"fr": "Dans un plan adopté, une unité responsable d'une action non annulée n'a aucune trace de diffusion du plan. Un signalement par unité et par plan.",
		},
		messageFmt: texts{
			"en": "Unit “%s” leads actions of plan “%s”, which has not been disseminated to it.",
			"fr": "L'unité « %s » conduit des actions du plan « %s », qui ne lui a pas été diffusé.",
		}},
	{rule: UnitWithoutFocalPoint, category: "STRUCTURE", severity: "MEDIUM", subject: gid.Unit, withDetail: true,
		description: texts{
			"en": "A unit that leads a non-cancelled action has no gender focal point. One flag per unit and plan.",
			"fr": "Une unité responsable d'une action non annulée n'a pas de point focal genre. Un signalement par unité et par plan.",
		},
		messageFmt: texts{
			"en": "Unit “%s” leads actions of plan “%s” but has no gender focal point.",
			"fr": "L'unité « %s » conduit des actions du plan « %s » mais n'a pas de point focal genre.",
		}},
	{rule: PeopleIndicatorNotDisaggregated, category: "MONITORING", severity: "MEDIUM", subject: gid.Indicator,
		description: texts{
			"en": "An indicator that counts people (officers, survivors, trainees) is not disaggregated by sex.",
			"fr": "Un indicateur qui compte des personnes (agents, survivantes et survivants, personnes formées) n'est pas ventilé par sexe.",
		},
		messageFmt: texts{
			"en": "Indicator “%s” counts people but is not broken down by sex.",
			"fr": "L'indicateur « %s » compte des personnes mais n'est pas ventilé par sexe.",
		}},
}

var byRule = func() map[string]*ruleDef {
	m := make(map[string]*ruleDef, len(catalogue))
	for i := range catalogue {
		m[catalogue[i].rule] = &catalogue[i]
	}
	return m
}()

// AutomaticRules lists the automatic rules in enum order.
func AutomaticRules() []string {
	out := make([]string, len(catalogue))
	for i, r := range catalogue {
		out[i] = r.rule
	}
	return out
}

// ValidRule reports whether r is a GapRule name (MANUAL included).
func ValidRule(r string) bool { return r == Manual || byRule[r] != nil }

// RuleCategory is the fixed category of an automatic rule; "" for
// FINDING_UNADDRESSED and MANUAL, whose flags take their category from the
// finding or from the person who raised them.
func RuleCategory(rule string) string {
	if d := byRule[rule]; d != nil {
		return d.category
	}
	return ""
}

// pickLang returns lang when the texts have it, else English.
func pickLang(lang string) string {
	if slices.Contains(Languages, lang) {
		return lang
	}
	return Languages[0]
}

// Rules is the catalogue of automatic rules (Query.gapRules) with
// descriptions in lang (English when lang is not one of Languages) and the
// configured periods. FINDING_UNADDRESSED, whose category and severity come
// from the finding, shows category POLICY and default severity MEDIUM, the
// least severity that raises it.
func (c Config) Rules(lang string) []RuleInfo {
	lang = pickLang(lang)
	out := make([]RuleInfo, 0, len(catalogue))
	for _, r := range catalogue {
		info := RuleInfo{Rule: r.rule, Category: r.category, DefaultSeverity: r.severity, Description: r.description[lang]}
		switch r.rule {
		case FindingUnaddressed:
			info.Category, info.DefaultSeverity = "POLICY", "MEDIUM"
		case ActionStale, IndicatorNotMeasured:
			info.Description = fmt.Sprintf(info.Description, c.days(r.rule))
		}
		out = append(out, info)
	}
	return out
}

// message formats the message of an automatic flag in lang.
func (c Config) message(rule, lang, label, detail string) string {
	d := byRule[rule]
	if d == nil {
		return label
	}
	lang = pickLang(lang)
	format := d.messageFmt[lang]
	if rule == ResourceGap && detail == "PARTIAL" {
		format = d.partial[lang]
	}
	args := []any{label}
	if d.withDetail {
		args = append(args, detail)
	}
	if d.withDays {
		args = append(args, c.days(rule))
	}
	return fmt.Sprintf(format, args...)
}

// days is the configured period of a rule that has one.
func (c Config) days(rule string) int {
	if rule == ActionStale {
		return c.StaleDays
	}
	return c.UnmeasuredDays
}

// Lang picks the language of rule descriptions and flag messages for the
// request of ctx (RULES.md section 9): the user's choice, else the best fit
// of its Accept-Language header; English when none fits.
func Lang(ctx context.Context) string {
	return i18n.Pick(ctx, Languages, Languages[0])
}
