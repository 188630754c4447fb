package main

import (
	"fmt"

	sitter "github.com/tree-sitter/go-tree-sitter"
	bicep "github.com/tree-sitter-grammars/tree-sitter-bicep/bindings/go"
)

func main() {
	p := sitter.NewParser()
	defer p.Close()
	p.SetLanguage(sitter.NewLanguage(bicep.Language()))
	src := []byte("param x string = 'a'\nresource r 'A/b@2020-01-01' = {\n  name: x\n  properties: { a: [1, 2] }\n}\n")
	t := p.Parse(src, nil)
	fmt.Println(t.RootNode().ToSexp())
}
