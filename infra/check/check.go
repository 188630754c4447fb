// Package check is the offline gate for the project's Bicep templates
// (spec infra.md §12): a syntax gate (tree-sitter-bicep), a property gate
// against the Bicep type definitions, and the project policy rules R01–R19.
//
// It never talks to Azure and evaluates no expressions: values built from
// expressions are not descended into. Findings are reported as
// "file:line:col: [rule] message".
package check

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// RuleSyntax is the rule id of the syntax gate.
const RuleSyntax = "syntax"

// Finding is one problem in one file.
type Finding struct {
	File string
	Line int
	Col  int
	Rule string
	Msg  string
}

// String formats the finding as file:line:col: [rule] message.
func (f Finding) String() string {
	return fmt.Sprintf("%s:%d:%d: [%s] %s", f.File, f.Line, f.Col, f.Rule, f.Msg)
}

// Options configures a Run. The zero value runs the syntax and policy gates
// only.
type Options struct {
	// Types are the Bicep type definitions for the property gate (and R18).
	// Nil skips the property gate; callers decide whether that is allowed.
	Types *Types
	// FunctionsDir holds one folder per function (<name>/function.json).
	// When set, R12 checks that every AzureFunction destination names one.
	// Empty skips that part of R12.
	FunctionsDir string
}

// ErrNoBicepFiles is returned when the given paths hold no .bicep file.
var ErrNoBicepFiles = errors.New("no .bicep files found")

// Files lists the .bicep and .bicepparam files under the given paths
// (files or directories), skipping directories named testdata and dot
// directories. The result is sorted.
func Files(paths ...string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("stat %s: %w", p, err)
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if !d.IsDir() && (strings.HasSuffix(path, ".bicep") || strings.HasSuffix(path, ".bicepparam")) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", p, err)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", strings.Join(paths, ", "), ErrNoBicepFiles)
	}
	sort.Strings(out)
	return out, nil
}

// Run checks the files and returns every finding, sorted by file and line.
// An error means the check itself could not run (unreadable file, broken
// type data), not that the templates are wrong.
func Run(files []string, opts Options) ([]Finding, error) {
	var findings []Finding
	var parsed []*File
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read template: %w", err)
		}
		f, found, err := parseFile(path, src)
		if err != nil {
			return nil, err
		}
		findings = append(findings, found...)
		findings = append(findings, houseStyle(f)...)
		if f.Root != nil {
			parsed = append(parsed, f)
		}
	}
	for _, f := range parsed {
		if opts.Types != nil {
			found, err := checkProperties(opts.Types, f)
			if err != nil {
				return nil, fmt.Errorf("property gate on %s: %w", f.Path, err)
			}
			findings = append(findings, found...)
		}
	}
	findings = append(findings, policy(parsed, opts)...)
	sort.SliceStable(findings, func(i, j int) bool {
		a, b := findings[i], findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return findings, nil
}

// parseFile runs the syntax gate on one file. A .bicepparam file is not
// parsed (house style, R19 reports it).
func parseFile(path string, src []byte) (*File, []Finding, error) {
	f := &File{Path: path, Src: src}
	if strings.HasSuffix(path, ".bicepparam") {
		return f, nil, nil
	}
	root, errs, err := Parse(src)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", path, err)
	}
	var out []Finding
	for _, e := range errs {
		out = append(out, Finding{File: path, Line: e.Line, Col: e.Col, Rule: RuleSyntax, Msg: e.Msg})
	}
	if len(root.Children) == 0 {
		out = append(out, Finding{File: path, Line: 1, Col: 1, Rule: RuleSyntax, Msg: "no declarations (empty or truncated file)"})
	}
	if len(out) > 0 {
		// Rules on a broken tree would only add noise.
		return &File{Path: path, Src: src}, out, nil
	}
	nf := newFile(path, src, root)
	return nf, nil, nil
}
