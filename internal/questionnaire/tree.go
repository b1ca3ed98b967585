package questionnaire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// This file turns document text into a yaml.Node tree: YAML through yaml.v3,
// and JSON through encoding/json (yaml.v3 refuses some valid JSON, such as the
// escapes \/ and surrogate pairs \ud83d\ude00).

// maxAliasGrowth bounds how many nodes aliases may add to a YAML document
// when expanded, against "billion laughs" documents.
const maxAliasGrowth = 100_000

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readTree parses doc into the root node of its single document. It returns
// nil and a problem when the text cannot be read.
func readTree(doc []byte) (*yaml.Node, *Problem) {
	doc = bytes.TrimPrefix(doc, utf8BOM)
	if !utf8.Valid(doc) {
		return nil, &Problem{Path: []string{}, Message: "The document is not valid UTF-8 text."}
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, emptyProblem()
	}
	if looksLikeJSON(doc) && json.Valid(doc) {
		root, err := jsonTree(doc)
		if err != nil {
			return nil, &Problem{Path: []string{}, Message: "The document is not valid JSON: " + err.Error() + "."}
		}
		return root, nil
	}
	root, prob := yamlTree(doc)
	if prob != nil {
		return nil, prob
	}
	if root == nil {
		return nil, emptyProblem()
	}
	if prob := checkAliases(root); prob != nil {
		return nil, prob
	}
	return root, nil
}

func emptyProblem() *Problem {
	return &Problem{Path: []string{}, Message: "The document is empty; a questionnaire needs at least key, version, defaultLanguage, languages, title and areas."}
}

func looksLikeJSON(doc []byte) bool {
	t := bytes.TrimLeft(doc, " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

var yamlErrLine = regexp.MustCompile(`^line (\d+): `)

// yamlTree parses YAML text. It returns a nil node for a document that holds
// only comments or an empty value.
func yamlTree(doc []byte) (root *yaml.Node, prob *Problem) {
	defer func() {
		// yaml.v3 is not known to panic on any input since v3.0.0, but a
		// parser bug must not take the service down.
		if r := recover(); r != nil {
			root, prob = nil, &Problem{Path: []string{}, Message: fmt.Sprintf("The document could not be read as YAML (%v).", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	var n yaml.Node
	if err := dec.Decode(&n); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlErrorProblem(err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, yamlErrorProblem(err)
	case !isNullDocument(&extra):
		line := 0
		if len(extra.Content) > 0 {
			line = extra.Content[0].Line
		}
		return nil, &Problem{Path: []string{}, Message: "The text holds more than one YAML document; a questionnaire is exactly one document.", Line: line}
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, nil
		}
		r := n.Content[0]
		if r.Kind == yaml.ScalarNode && r.ShortTag() == "!!null" {
			return nil, nil
		}
		return r, nil
	}
	return &n, nil
}

func isNullDocument(n *yaml.Node) bool {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return true
		}
		n = n.Content[0]
	}
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func yamlErrorProblem(err error) *Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := &Problem{Path: []string{}}
	if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
	}
	p.Message = "The document is not valid YAML or JSON: " + msg + "."
	return p
}

// checkAliases refuses alias cycles and aliases that blow the document up.
func checkAliases(root *yaml.Node) *Problem {
	raw, aliases := 0, false
	var count func(n *yaml.Node)
	count = func(n *yaml.Node) {
		raw++
		if n.Kind == yaml.AliasNode {
			aliases = true
			return
		}
		for _, c := range n.Content {
			count(c)
		}
	}
	count(root)
	if !aliases {
		return nil
	}
	limit := raw + maxAliasGrowth
	const inProgress = -1
	size := map[*yaml.Node]int{}
	var prob *Problem
	var expand func(n *yaml.Node) int
	expand = func(n *yaml.Node) int {
		if prob != nil {
			return 0
		}
		if n.Kind == yaml.AliasNode {
			if n.Alias == nil {
				return 1
			}
			if size[n.Alias] == inProgress {
				prob = &Problem{Path: []string{}, Message: fmt.Sprintf("The alias *%s refers to a node that contains it.", n.Value), Line: n.Line, Column: n.Column}
				return 0
			}
			return expand(n.Alias)
		}
		if s, ok := size[n]; ok && s != inProgress {
			return s
		}
		size[n] = inProgress
		s := 1
		for _, c := range n.Content {
			s += expand(c)
			if s > limit {
				s = limit + 1 // saturate
			}
		}
		size[n] = s
		return s
	}
	if s := expand(root); prob == nil && s > limit {
		prob = &Problem{Path: []string{}, Message: fmt.Sprintf("The document's aliases expand it beyond %d nodes; write the questionnaire out with fewer aliases.", limit)}
	}
	return prob
}

// deref follows aliases to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// jsonTree converts valid JSON text into a yaml.Node tree with explicit tags,
// keeping key order, duplicate keys and positions.
func jsonTree(doc []byte) (*yaml.Node, error) {
	c := &jsonConv{data: doc, dec: json.NewDecoder(bytes.NewReader(doc))}
	c.dec.UseNumber()
	return c.value()
}

type jsonConv struct {
	data []byte
	dec  *json.Decoder

	// The position of the last token, to count lines and columns from.
	off, line, col int
}

// pos returns the 1-based line and column of the next token. Tokens come in
// order, so it counts only from the previous one.
func (c *jsonConv) pos() (line, col int) {
	off := int(c.dec.InputOffset())
	for off < len(c.data) && strings.IndexByte(" \t\r\n,:", c.data[off]) >= 0 {
		off++
	}
	if c.line == 0 {
		c.line, c.col = 1, 1
	}
	for _, r := range string(c.data[c.off:off]) {
		if r == '\n' {
			c.line, c.col = c.line+1, 1
		} else {
			c.col++
		}
	}
	c.off = off
	return c.line, c.col
}

func (c *jsonConv) value() (*yaml.Node, error) {
	line, col := c.pos()
	tok, err := c.dec.Token()
	if err != nil {
		return nil, err
	}
	n := &yaml.Node{Line: line, Column: col}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.Kind, n.Tag, n.Style = yaml.MappingNode, "!!map", yaml.FlowStyle
			for c.dec.More() {
				kl, kc := c.pos()
				kt, err := c.dec.Token()
				if err != nil {
					return nil, err
				}
				ks, ok := kt.(string)
				if !ok {
					return nil, errors.New("an object key is not a string")
				}
				v, err := c.value()
				if err != nil {
					return nil, err
				}
				k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ks, Style: yaml.DoubleQuotedStyle, Line: kl, Column: kc}
				n.Content = append(n.Content, k, v)
			}
		case '[':
			n.Kind, n.Tag, n.Style = yaml.SequenceNode, "!!seq", yaml.FlowStyle
			for c.dec.More() {
				v, err := c.value()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, v)
			}
		default:
			return nil, fmt.Errorf("unexpected %q", rune(t))
		}
		if _, err := c.dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!str", t, yaml.DoubleQuotedStyle
	case json.Number:
		n.Kind, n.Value = yaml.ScalarNode, string(t)
		n.Tag = "!!float"
		if _, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			n.Tag = "!!int"
		}
	case bool:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", strconv.FormatBool(t)
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
	default:
		return nil, fmt.Errorf("unexpected token %v", tok)
	}
	return n, nil
}
