package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"proc/runtime"
)

const completionUsage = `Usage: proc completion bash|zsh|fish

Prints a script that teaches the shell to complete proc's command lines:
the commands, the flags of each, the config keys after --set, the trace
categories after --trace, the report formats after --format, and .proc
files (and folders) where a script is expected.

  bash   in ~/.bashrc:   source <(proc completion bash)
  zsh    in ~/.zshrc, after compinit:   source <(proc completion zsh)
         (or save it as _proc in a folder of $fpath)
  fish   proc completion fish > ~/.config/fish/completions/proc.fish

The script is made from proc itself: after an upgrade, load it again.
`

// cmdCompletion is `proc completion SHELL`.
func cmdCompletion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("completion", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, completionUsage)
			return 0
		}
		fmt.Fprint(stderr, completionUsage)
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "proc completion: want one shell, got %d\n\n%s", fs.NArg(), completionUsage)
		return 2
	}
	var script string
	switch fs.Arg(0) {
	case "bash":
		script = bashCompletion()
	case "zsh":
		script = zshCompletion()
	case "fish":
		script = fishCompletion()
	default:
		fmt.Fprintf(stderr, "proc completion: %q: want %s\n", fs.Arg(0), orList(completionShells))
		return 2
	}
	io.WriteString(stdout, script)
	return 0
}

// completionShells are the shells proc completion writes a script for.
var completionShells = []string{"bash", "zsh", "fish"}

// What the positional arguments of a command are.
const (
	argNone   = ""
	argScript = "script" // a .proc file
	argPaths  = "paths"  // .proc files and folders
	argShell  = "shell"  // a shell's name
)

// compCommand is a command of proc, as the completion scripts offer it.
type compCommand struct {
	name  string
	about string
	// flags returns the command's flag set, the one the command parses
	// its arguments with, so that a flag added to a command is offered
	// with nothing else to change; nil for a command without flags.
	flags func() *flag.FlagSet
	args  string
}

// compCommands are proc's commands, in the order of its usage. A test
// checks them against the commands Main knows.
var compCommands = []compCommand{
	{"run", "run a script: trace and program output on stdout",
		func() *flag.FlagSet { return new(runFlags).flagSet(io.Discard) }, argScript},
	{"explore", "run a script under every schedule; list the outcomes",
		func() *flag.FlagSet { return new(exploreFlags).flagSet(io.Discard) }, argScript},
	{"repl", "an interactive machine, one statement at a time",
		func() *flag.FlagSet { return new(replFlags).flagSet(io.Discard) }, argScript},
	{"web", "the machine drawn in a browser, step by step",
		func() *flag.FlagSet { return new(webFlags).flagSet(io.Discard) }, argScript},
	{"test", "run scripts and compare with their golden files",
		func() *flag.FlagSet { return new(testFlags).flagSet(io.Discard) }, argPaths},
	{"tour", "a guided tour, lesson by lesson",
		func() *flag.FlagSet { return new(tourFlags).flagSet(io.Discard) }, argNone},
	{"fmt", "format scripts in the one canonical layout",
		func() *flag.FlagSet { return new(fmtOptions).flagSet(io.Discard) }, argPaths},
	{"version", "print the version", nil, argNone},
	{"help", "print the help", nil, argNone},
	{"completion", "print a shell completion script", nil, argShell},
}

// Kinds of flag values the scripts complete; a flag not in flagValues
// takes a value they leave to the user (a number, a pattern).
const (
	valTrace  = "trace"  // a comma list of trace categories
	valSet    = "set"    // KEY=VALUE: the key is completed
	valFormat = "format" // a report format of proc test
	valScript = "script" // a .proc file
	valFile   = "file"   // any file
	valDir    = "dir"    // a folder
)

// flagValues says, by flag name, what a flag's value is.
var flagValues = map[string]string{
	"trace":       valTrace,
	"set":         valSet,
	"format":      valFormat,
	"header-from": valScript,
	"chrome":      valFile,
	"export":      valDir,
	"dir":         valDir,
}

// flagsOf is the names of the flags whose value is of kind, as a case
// pattern of a shell: "chrome|output".
func flagsOf(kind string) string {
	var names []string
	for name, k := range flagValues {
		if k == kind {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return strings.Join(names, "|")
}

// compFlag is one flag of a command.
type compFlag struct {
	name string
	// value is "" for a flag that takes none (a bool), else what it takes:
	// one of the val kinds, or "value" for a value not completed.
	value string
}

// option is the flag as the scripts offer it: -j, --trace.
func (f compFlag) option() string {
	if len(f.name) == 1 {
		return "-" + f.name
	}
	return "--" + f.name
}

// compFlags lists the flags of a command, sorted by name.
func compFlags(c compCommand) []compFlag {
	if c.flags == nil {
		return nil
	}
	var out []compFlag
	c.flags().VisitAll(func(fl *flag.Flag) {
		f := compFlag{name: fl.Name}
		if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
			f.value = "value"
			if v, ok := flagValues[fl.Name]; ok {
				f.value = v
			}
		}
		out = append(out, f)
	})
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// traceWords are the values --trace takes: all, none and each category.
func traceWords() []string { return append([]string{"all", "none"}, runtime.CategoryNames()...) }

// setWords are what --set offers: each config key followed by "=".
func setWords() []string {
	var out []string
	for _, k := range runtime.ConfigKeys() {
		out = append(out, k+"=")
	}
	return out
}

func commandNames() []string {
	var out []string
	for _, c := range compCommands {
		out = append(out, c.name)
	}
	return out
}

// shellQuote quotes s for a POSIX shell, and for fish, in single quotes.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// bashCompletion is the script of proc completion bash. It uses only
// bash itself (no bash-completion package): the word before the cursor
// decides between a flag, a flag's value and a file.
func bashCompletion() string {
	var b strings.Builder
	b.WriteString(`# bash completion for proc, written by 'proc completion bash'.
# Load it with: source <(proc completion bash)

# _proc_value NAME PREFIX: the values of flag NAME that start with PREFIX.
_proc_value() {
    local cur=$2 pre=
    case $1 in
    ` + flagsOf(valTrace) + `)
        if [[ $cur == *,* ]]; then pre=${cur%,*},; cur=${cur##*,}; fi
        COMPREPLY=($(compgen -P "$pre" -W ` + shellQuote(strings.Join(traceWords(), " ")) + ` -- "$cur")) ;;
    ` + flagsOf(valSet) + `)
        COMPREPLY=($(compgen -W ` + shellQuote(strings.Join(setWords(), " ")) + ` -- "$cur"))
        compopt -o nospace 2>/dev/null ;;
    ` + flagsOf(valFormat) + `)
        COMPREPLY=($(compgen -W ` + shellQuote(strings.Join(testFormats, " ")) + ` -- "$cur")) ;;
    ` + flagsOf(valScript) + `) _proc_scripts "$cur" ;;
    ` + flagsOf(valFile) + `)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur")) ;;
    ` + flagsOf(valDir) + `)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -d -- "$cur")) ;;
    esac
}

# _proc_scripts PREFIX: .proc files and folders.
_proc_scripts() {
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    COMPREPLY+=($(compgen -f -X '!*.proc' -- "$1") $(compgen -d -- "$1"))
}

_proc() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    COMPREPLY=()
    if ((COMP_CWORD == 1)); then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W '-h --help --version' -- "$cur"))
        else
            COMPREPLY=($(compgen -W ` + shellQuote(strings.Join(commandNames(), " ")) + ` -- "$cur"))
            _proc_scripts "$cur"
        fi
        return
    fi
    # flags: every flag of the command; valued: those that take a value.
    local cmd=${COMP_WORDS[1]} flags= valued= args=
    case $cmd in
`)
	for _, c := range compCommands {
		pattern := c.name
		if c.name == "run" {
			// proc FILE.proc is proc run FILE.proc.
			pattern = "run|*.proc"
		}
		var flags, valued []string
		for _, f := range compFlags(c) {
			flags = append(flags, f.option())
			if f.value != "" {
				valued = append(valued, f.name)
			}
		}
		fmt.Fprintf(&b, "    %s) flags=%s valued=%s args=%s ;;\n", pattern,
			shellQuote(strings.Join(append(flags, "-h"), " ")), shellQuote(strings.Join(valued, " ")), c.args)
	}
	b.WriteString(`    *) return ;;
    esac
    # The flag whose value is being completed, if any. Bash splits
    # --trace=sched into --trace, = and sched.
    local flag= val=$cur pfx=
    if [[ $cur == = && $prev == -* ]]; then
        flag=$prev val=
    elif [[ $prev == = ]] && ((COMP_CWORD >= 3)) && [[ ${COMP_WORDS[COMP_CWORD-2]} == -* ]]; then
        flag=${COMP_WORDS[COMP_CWORD-2]}
    elif [[ $cur == -*=* ]]; then
        flag=${cur%%=*} val=${cur#*=} pfx=${cur%%=*}=
    elif [[ $prev == -* ]]; then
        flag=$prev
    fi
    flag=${flag#-}
    flag=${flag#-}
    if [[ -n $flag && " $valued " == *" $flag "* ]]; then
        _proc_value "$flag" "$val"
        if [[ -n $pfx ]]; then COMPREPLY=("${COMPREPLY[@]/#/$pfx}"); fi
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
        return
    fi
    case $args in
    script | paths) _proc_scripts "$cur" ;;
    shell) COMPREPLY=($(compgen -W ` + shellQuote(strings.Join(completionShells, " ")) + ` -- "$cur")) ;;
    esac
}

complete -F _proc proc
`)
	return b.String()
}

// zshCompletion is the script of proc completion zsh: an _arguments spec
// per command.
func zshCompletion() string {
	var b strings.Builder
	b.WriteString(`#compdef proc
# zsh completion for proc, written by 'proc completion zsh'.
# Load it with: source <(proc completion zsh), after compinit; or save it
# as _proc in a folder of $fpath.

_proc_set() {
    compadd -S '' -- ` + strings.Join(setWords(), " ") + `
}

_proc() {
    local -a commands
    commands=(
`)
	for _, c := range compCommands {
		fmt.Fprintf(&b, "        %s\n", shellQuote(c.name+":"+c.about))
	}
	b.WriteString(`    )
    if ((CURRENT == 2)); then
        _describe -t commands 'proc command' commands
        _files -g '*.proc(-.)'
        return
    fi
    local cmd=${words[2]}
    [[ $cmd == *.proc ]] && cmd=run
    shift words
    ((CURRENT--))
    case $cmd in
`)
	for _, c := range compCommands {
		fmt.Fprintf(&b, "    %s)\n        _arguments -S \\\n", c.name)
		for _, f := range compFlags(c) {
			fmt.Fprintf(&b, "            %s \\\n", zshSpec(f))
		}
		switch c.args {
		case argScript:
			b.WriteString("            '1:script:_files -g \"*.proc(-.)\"' \\\n")
		case argPaths:
			b.WriteString("            '*:script or folder:_files -g \"*.proc(-.)\"' \\\n")
		case argShell:
			fmt.Fprintf(&b, "            '1:shell:(%s)' \\\n", strings.Join(completionShells, " "))
		}
		b.WriteString("            '(-)-h[print the usage]'\n        ;;\n")
	}
	b.WriteString(`    esac
}

if [[ $funcstack[1] == _proc ]]; then
    _proc "$@"
else
    compdef _proc proc
fi
`)
	return b.String()
}

// zshSpec is the _arguments spec of a flag.
func zshSpec(f compFlag) string {
	opt := f.option()
	if f.value == "" {
		return shellQuote(opt)
	}
	var action string
	switch f.value {
	case valTrace:
		action = "_values -s , category " + strings.Join(traceWords(), " ")
	case valSet:
		action = "_proc_set"
	case valFormat:
		action = "(" + strings.Join(testFormats, " ") + ")"
	case valScript:
		action = `_files -g "*.proc(-.)"`
	case valFile:
		action = "_files"
	case valDir:
		action = "_files -/"
	default:
		action = " "
	}
	repeat := ""
	if f.value == valSet {
		repeat = "*"
	}
	// OPT= takes the value after = or as the next word, as Go's flag
	// package does.
	return shellQuote(repeat + opt + "=:" + f.name + ":" + action)
}

// fishCompletion is the script of proc completion fish.
func fishCompletion() string {
	var b strings.Builder
	cmds := strings.Join(commandNames(), " ")
	b.WriteString(`# fish completion for proc, written by 'proc completion fish'.
# Save it as ~/.config/fish/completions/proc.fish.

function __proc_trace
    set -l tok (string replace -r '^-+trace=' '' -- (commandline -ct))
    set -l pre (string replace -r '[^,]*$' '' -- $tok)
    for w in ` + strings.Join(traceWords(), " ") + `
        echo $pre$w
    end
end

function __proc_scripts
    set -l tok (string replace -r '^-[^=]*=' '' -- (commandline -ct))
    for f in $tok*
        if test -d $f
            echo $f/
        else if string match -q '*.proc' -- $f
            echo $f
        end
    end
end

complete -c proc -f
complete -c proc -n 'not __fish_seen_subcommand_from ` + cmds + `' -a '(__proc_scripts)'
`)
	for _, c := range compCommands {
		fmt.Fprintf(&b, "complete -c proc -n 'not __fish_seen_subcommand_from %s' -a %s -d %s\n", cmds, c.name, shellQuote(c.about))
	}
	for _, c := range compCommands {
		cond := "__fish_seen_subcommand_from " + c.name
		for _, f := range compFlags(c) {
			opt := "-l " + f.name
			if len(f.name) == 1 {
				opt = "-s " + f.name
			}
			var value string
			switch f.value {
			case "":
			case valTrace:
				value = " -x -a '(__proc_trace)'"
			case valSet:
				value = " -x -a " + shellQuote(strings.Join(setWords(), " "))
			case valFormat:
				value = " -x -a " + shellQuote(strings.Join(testFormats, " "))
			case valScript:
				value = " -x -a '(__proc_scripts)'"
			case valFile, valDir:
				value = " -r -F"
			default:
				value = " -x"
			}
			fmt.Fprintf(&b, "complete -c proc -n '%s' %s%s\n", cond, opt, value)
		}
		switch c.args {
		case argScript, argPaths:
			fmt.Fprintf(&b, "complete -c proc -n '%s' -a '(__proc_scripts)'\n", cond)
		case argShell:
			fmt.Fprintf(&b, "complete -c proc -n '%s' -a %s\n", cond, shellQuote(strings.Join(completionShells, " ")))
		}
	}
	return b.String()
}
