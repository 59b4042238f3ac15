using Hearth.Skills.Splitting;
using static Hearth.Skills.Tests.Splitting.SplitAssert;

namespace Hearth.Skills.Tests.Splitting;

public sealed class ScriptSplittingTests
{
    [Fact]
    public void Python_classes_functions_and_the_text_around_them()
    {
        var text = """
            #!/usr/bin/env python3
            import os

            def load(path):
                return open(path).read()

            LIMIT = 3

            class Store:
                '''Keeps things.'''
                size = 0

                def get(self, key):
                    return key

                async def put(self, key):
                    pass

            if __name__ == "__main__":
                load("x")

            """;

        var r = Split("scripts/tool.py", text);

        Assert.Equal(
            ["preamble #!/usr/bin/env python3", "function load", "code LIMIT = 3", "class Store", "  function get", "  function put", "epilogue if __name__ == \"__main__\":"],
            Outline(r));
        Assert.StartsWith("class Store:\n    '''Keeps things.'''\n    size = 0\n", r.Sections[3].Text());
    }

    [Fact]
    public void Python_decorators_and_comments_right_above_attach_to_their_function()
    {
        var text = "import x\n\n# Caches results.\n@lru_cache(\n    maxsize=None,\n)\n@trace\nasync def cached():\n    pass\n";

        var r = Split("a.py", text);

        Assert.Equal(["preamble import x", "function cached"], Outline(r));
        Assert.StartsWith("# Caches results.\n@lru_cache(", r.Sections[1].Text());
    }

    [Fact]
    public void Python_defs_inside_strings_brackets_and_continuations_are_not_symbols()
    {
        var text = "def real():\n    '''\ndef fake():\n    pass\n'''\n    x = [\n1,\n]\n    y = 1 + \\\n2\n    return \"\"\"\nclass Fake:\n\"\"\"\n";

        Assert.Equal(["function real"], Outline(Split("a.py", text)));
    }

    [Fact]
    public void Python_nested_classes_are_children_but_nested_functions_are_not()
    {
        var text = "class Outer:\n    class Inner:\n        def deep(self):\n            def helper():\n                pass\n    def method(self):\n        pass\n";

        Assert.Equal(["class Outer", "  class Inner", "    function deep", "  function method"], Outline(Split("a.py", text)));
    }

    [Fact]
    public void JavaScript_functions_arrows_classes_and_export_forms()
    {
        var text = """
            import fs from 'node:fs';

            /**
             * Reads a file.
             */
            export async function read(path) {
              return fs.promises.readFile(path, 'utf8');
            }

            export const double = x => x * 2;
            const parse = async (
              text,
              options,
            ) => JSON.parse(text);
            let handler = function (event) {};
            exports.legacy = function () {};
            module.exports.other = async () => {};
            export default function () {}
            export function* ids() {}
            export default class extends Base {}

            main();
            """;

        Assert.Equal(
            ["preamble import fs from 'node:fs';", "function read", "function double", "function parse", "function handler", "function legacy", "function other", "function default", "function ids", "class default", "epilogue main();"],
            Outline(Split("a.js", text)));
    }

    [Fact]
    public void TypeScript_generics_interfaces_types_enums_namespaces_and_class_members()
    {
        var text = """
            export interface Options<T> extends Base {
              value: T;
            }
            export type Result<T> =
              | { ok: true; value: T }
              | { ok: false };
            export const enum Mode { Fast, Safe }
            declare module 'thing' {
              export function plugin(): void;
            }
            export namespace Tools.Inner {
              export const pick = <T,>(items: T[]): T => items[0];
              export class Helper {}
            }
            export abstract class Repo<T extends object> implements Store<T> {
              private readonly cache = new Map<string, T>();

              constructor(private db: Db) {}

              @memoize()
              async find(id: string): Promise<T | undefined> {
                return this.cache.get(id);
              }

              static create<U extends object>(): Repo<U> { return null!; }
              get size(): number { return this.cache.size; }
              onEvent = (e: Event): void => {};
              count = 0;
            }
            export declare function ambient(x: number): string;
            """;

        Assert.Equal(
            [
                "interface Options", "type_alias Result", "enum Mode", "namespace 'thing'", "  function plugin", "namespace Tools.Inner",
                "  function pick", "  class Helper", "class Repo", "  function constructor", "  function find", "  function create", "  function size",
                "  function onEvent", "  code count = 0;", "function ambient",
            ],
            Outline(Split("a.ts", text)));
    }

    [Fact]
    public void JavaScript_braces_in_strings_templates_regexes_and_comments_do_not_confuse_the_split()
    {
        var text = "function a() {\n  const s = `${x} { ${y ? `}` : '{'} }\n}`;\n  const r = /\\}[{]/g;\n  // }\n  /* { */\n  return '}';\n}\nfunction b() {}\n";

        Assert.Equal(["function a", "function b"], Outline(Split("a.js", text)));
    }

    [Fact]
    public void Shell_functions_in_both_forms()
    {
        var text = """
            #!/usr/bin/env bash
            set -euo pipefail

            # Prints usage.
            usage() {
              echo "usage }"
            }
            function build {
              cat <<'EOF'
            }
            fake() {
            EOF
            }
            function deploy() {
              echo ${HOME} $(date) '{'
            }
            cleanup ()
            {
              rm -rf "$TMP"
            }

            main "$@"
            """;

        var r = Split("scripts/run.sh", text);

        Assert.Equal(["preamble #!/usr/bin/env bash", "function usage", "function build", "function deploy", "function cleanup", "epilogue main \"$@\""], Outline(r));
        Assert.StartsWith("# Prints usage.\nusage() {", r.Sections[1].Text());
    }

    [Fact]
    public void A_script_without_symbols_is_one_preamble()
    {
        Assert.Equal(["preamble echo hi"], Outline(Split("a.sh", "echo hi\necho there\n")));
        Assert.Equal(["preamble print(1)"], Outline(Split("a.py", "print(1)\n")));
    }
}
