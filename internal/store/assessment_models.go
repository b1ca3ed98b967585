package store

import (
	"time"

	"github.com/uptrace/bun"
)

// Questionnaire is an imported questionnaire; Document is its canonical
// JSON form (questionnaire.Encode).
type Questionnaire struct {
	bun.BaseModel `bun:"table:questionnaires"`

	ID              int64     `bun:"id,pk,autoincrement"`
	Key             string    `bun:"key,notnull"`
	Version         int       `bun:"version,notnull"`
	DefaultLanguage string    `bun:"default_language,notnull"`
	Document        string    `bun:"document,notnull"`
	CreatedAt       time.Time `bun:"created_at,notnull"`
}

// Assessment is one run of a questionnaire by an institution.
type Assessment struct {
	bun.BaseModel `bun:"table:assessments"`

	ID              int64      `bun:"id,pk,autoincrement"`
	InstitutionID   int64      `bun:"institution_id,notnull"`
	QuestionnaireID int64      `bun:"questionnaire_id,notnull"`
	Title           string     `bun:"title,notnull"`
	StartDate       string     `bun:"start_date,notnull"`
	EndDate         *string    `bun:"end_date"`
	Status          string     `bun:"status,notnull"`
	SubmittedAt     *time.Time `bun:"submitted_at"`
	ValidatedAt     *time.Time `bun:"validated_at"`
	ValidatedBy     *int64     `bun:"validated_by"`
	Version         int        `bun:"version,notnull"`
	CreatedAt       time.Time  `bun:"created_at,notnull"`
	UpdatedAt       time.Time  `bun:"updated_at,notnull"`
}

// Response is the answer to one question of an assessment. ChoiceKeys and
// Evidence are JSON arrays.
type Response struct {
	bun.BaseModel `bun:"table:responses"`

	ID            int64     `bun:"id,pk,autoincrement"`
	AssessmentID  int64     `bun:"assessment_id,notnull"`
	QuestionKey   string    `bun:"question_key,notnull"`
	BoolValue     *bool     `bun:"bool_value"`
	NumberValue   *float64  `bun:"number_value"`
	TextValue     *string   `bun:"text_value"`
	ChoiceKeys    []string  `bun:"choice_keys,type:text"`
	NotApplicable bool      `bun:"not_applicable,notnull"`
	Comment       *string   `bun:"comment"`
	Evidence      []string  `bun:"evidence,type:text"`
	AnsweredBy    *int64    `bun:"answered_by"`
	Version       int       `bun:"version,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
}

// Finding is a gap an assessment revealed: raised by a questionnaire rule
// at submission (origin RULE) or added by hand (MANUAL). TitleI18n holds
// the title per language (JSON) for RULE findings.
type Finding struct {
	bun.BaseModel `bun:"table:findings"`

	ID            int64     `bun:"id,pk,autoincrement"`
	AssessmentID  int64     `bun:"assessment_id,notnull"`
	InstitutionID int64     `bun:"institution_id,notnull"`
	AreaKey       string    `bun:"area_key,notnull"`
	QuestionKey   *string   `bun:"question_key"`
	Title         string    `bun:"title,notnull"`
	TitleI18n     *string   `bun:"title_i18n"`
	Detail        *string   `bun:"detail"`
	Category      string    `bun:"category,notnull"`
	Severity      string    `bun:"severity,notnull"`
	Origin        string    `bun:"origin,notnull"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
}
