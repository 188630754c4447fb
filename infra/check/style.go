package check

import (
	"regexp"
	"strings"
)

// House-style patterns (spec §12.1): constructs newer than the CI grammar.
var (
	reSpread       = regexp.MustCompile(`(^|[{,\[\s])\.\.\.[A-Za-z_(]`)
	reTypedVar     = regexp.MustCompile(`^\s*var\s+[A-Za-z_][A-Za-z0-9_]*\s+[A-Za-z_][A-Za-z0-9_.<>\[\]']*\s*=`)
	reExtension    = regexp.MustCompile(`^\s*extension\s+\S`)
	reResourceType = regexp.MustCompile(`\bresource(Input|Output)\s*<`)
	reImport       = regexp.MustCompile(`^\s*import\s`)
	reDeclStart    = regexp.MustCompile(`^\s*(@|param\s|var\s|resource\s|module\s|output\s|type\s|func\s|metadata\s)`)
)

// houseStyle is R19: banned constructs and import placement, checked on the
// source text so the message is clearer than the parser's.
func houseStyle(f *File) []Finding {
	if strings.HasSuffix(f.Path, ".bicepparam") {
		return []Finding{{File: f.Path, Line: 1, Col: 1, Rule: "R19", Msg: ".bicepparam files are not used (the CI grammar cannot parse them); use main.parameters.json"}}
	}
	var out []Finding
	add := func(line int, msg string) {
		out = append(out, Finding{File: f.Path, Line: line, Col: 1, Rule: "R19", Msg: msg})
	}
	seenDecl := false
	inMulti := false
	for i, raw := range strings.Split(string(f.Src), "\n") {
		line := codeOnly(raw, &inMulti)
		n := i + 1
		if reSpread.MatchString(line) {
			add(n, "spread (...) is not supported by the CI grammar; use union(base, { … })")
		}
		if reTypedVar.MatchString(line) {
			add(n, "typed variable; write an untyped var")
		}
		if reExtension.MatchString(line) {
			add(n, "extension statements are not used")
		}
		if reResourceType.MatchString(line) {
			add(n, "resourceInput<…>/resourceOutput<…> types are not supported; use object or a user-defined type")
		}
		if reImport.MatchString(line) {
			if seenDecl {
				add(n, "import after other declarations; put all import statements first in the file")
			}
		} else if reDeclStart.MatchString(line) {
			seenDecl = true
		}
	}
	return out
}

// codeOnly blanks string literals and comments in one line, tracking
// multi-line (triple-quoted) strings across lines.
func codeOnly(s string, inMulti *bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if *inMulti {
			if strings.HasPrefix(s[i:], "'''") {
				*inMulti = false
				i += 2
			}
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "'''"):
			*inMulti = true
			i += 2
			b.WriteString("''")
		case strings.HasPrefix(s[i:], "//"):
			return b.String()
		case s[i] == '\'':
			// skip to the closing quote, honouring \'
			j := i + 1
			for j < len(s) && s[j] != '\'' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			b.WriteString("''")
			i = j
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
