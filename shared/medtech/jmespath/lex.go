// Package jmespath evaluates JMESPath expressions over jsontree values, with
// the semantics of JmesPath.Net that Azure MedTech CalculatedContent
// templates rely on: numbers keep their integer or float kind, Date values
// are strings, and the MedTech custom functions (add, subtract, multiply,
// divide, pow, insertString, fromUnixTimestamp, fromUnixTimestampMs) are
// built in. Unknown function names and wrong argument counts are compile
// errors, so a template is rejected when it loads rather than per message.
//
// Stock Go JMESPath libraries decode numbers as float64, which loses the
// integer kind that MedTech's integer arithmetic (divide(`40`,`50`) = 0) and
// number formatting depend on; hence this implementation.
//
// A compiled Expr is immutable and safe for concurrent use.
package jmespath

import (
	"fmt"
	"strings"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tQuoted
	tLiteral
	tNumber
	tDot
	tStar
	tRbracket
	tComma
	tColon
	tCurrent
	tExpref
	tLparen
	tRparen
	tLbrace
	tRbrace
	tLbracket
	tFlatten
	tFilter
	tPipe
	tOr
	tAnd
	tNot
	tEQ
	tNE
	tLT
	tLTE
	tGT
	tGTE
)

var bindingPower = map[tokKind]int{
	tPipe: 1, tOr: 2, tAnd: 3, tEQ: 5, tNE: 5, tLT: 5, tLTE: 5, tGT: 5, tGTE: 5,
	tFlatten: 9, tStar: 20, tFilter: 21, tDot: 40, tNot: 45, tLbrace: 50, tLbracket: 55, tLparen: 60,
}

type token struct {
	kind tokKind
	text string
	num  int
	pos  int
}

// SyntaxError reports an expression that does not compile.
type SyntaxError struct {
	Expr   string
	Offset int
	Msg    string
}

// Error implements error.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JMESPath %q at offset %d: %s", e.Expr, e.Offset, e.Msg)
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdent(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

var simpleTokens = map[byte]tokKind{'.': tDot, '*': tStar, ']': tRbracket, ',': tComma, ':': tColon, '@': tCurrent,
	'(': tLparen, ')': tRparen, '{': tLbrace, '}': tRbrace}

func lex(s string) ([]token, error) {
	var toks []token
	fail := func(i int, format string, args ...any) error {
		return &SyntaxError{Expr: s, Offset: i, Msg: fmt.Sprintf(format, args...)}
	}
	two := func(i int, next byte) bool { return i+1 < len(s) && s[i+1] == next }
	for i := 0; i < len(s); {
		c := s[i]
		if k, ok := simpleTokens[c]; ok {
			toks = append(toks, token{kind: k, text: string(c), pos: i})
			i++
			continue
		}
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && isIdent(s[j]) {
				j++
			}
			toks = append(toks, token{kind: tIdent, text: s[i:j], pos: i})
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			var n int
			if _, err := fmt.Sscan(s[i:j], &n); err != nil {
				return nil, fail(i, "invalid number %q", s[i:j])
			}
			toks = append(toks, token{kind: tNumber, text: s[i:j], num: n, pos: i})
			i = j
		case c == '[':
			switch {
			case two(i, ']'):
				toks = append(toks, token{kind: tFlatten, text: "[]", pos: i})
				i += 2
			case two(i, '?'):
				toks = append(toks, token{kind: tFilter, text: "[?", pos: i})
				i += 2
			default:
				toks = append(toks, token{kind: tLbracket, text: "[", pos: i})
				i++
			}
		case c == '|':
			if two(i, '|') {
				toks = append(toks, token{kind: tOr, pos: i})
				i += 2
			} else {
				toks = append(toks, token{kind: tPipe, pos: i})
				i++
			}
		case c == '&':
			if two(i, '&') {
				toks = append(toks, token{kind: tAnd, pos: i})
				i += 2
			} else {
				toks = append(toks, token{kind: tExpref, pos: i})
				i++
			}
		case c == '!':
			if two(i, '=') {
				toks = append(toks, token{kind: tNE, pos: i})
				i += 2
			} else {
				toks = append(toks, token{kind: tNot, pos: i})
				i++
			}
		case c == '<' || c == '>':
			k := map[bool]tokKind{true: tLT, false: tGT}[c == '<']
			if two(i, '=') {
				k++
				i++
			}
			toks = append(toks, token{kind: k, pos: i})
			i++
		case c == '=':
			if !two(i, '=') {
				return nil, fail(i, "unexpected '=', expected '=='")
			}
			toks = append(toks, token{kind: tEQ, pos: i})
			i += 2
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, fail(i, "unterminated %c", c)
			}
			body := s[i+1 : j]
			k := map[byte]tokKind{'\'': tLiteral, '"': tQuoted, '`': tLiteral}[c]
			text := body
			if c == '\'' {
				text = strings.ReplaceAll(body, `\'`, `'`)
				toks = append(toks, token{kind: k, text: text, num: 1, pos: i})
			} else if c == '`' {
				toks = append(toks, token{kind: k, text: strings.ReplaceAll(body, "\\`", "`"), num: 2, pos: i})
			} else {
				toks = append(toks, token{kind: k, text: `"` + body + `"`, pos: i})
			}
			i = j + 1
		default:
			return nil, fail(i, "unexpected character %q", c)
		}
	}
	return append(toks, token{kind: tEOF, pos: len(s)}), nil
}
