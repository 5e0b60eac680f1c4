// A small evaluator of GitHub Actions expressions, enough to run deploy.yml's `if:` and concurrency
// expressions against event payloads in tests. It follows
// https://docs.github.com/en/actions/reference/workflows-and-actions/expressions :
// literals (boolean, null, number, single-quoted string with '' escapes), property de-reference and
// index, `!`, `==`/`!=` (loose: types that differ are compared as numbers; GitHub ignores case when
// comparing strings), `&&`/`||` (returning an operand, like JavaScript), `<`/`>`/`<=`/`>=`, the
// functions format, contains, startsWith, endsWith, fromJSON, and the status functions success,
// failure, cancelled, always (supplied by the caller). `if:` may omit `${{ }}`.
// What it does not model is GitHub's own evaluation, so a test built on it proves the expressions
// mean what we think under the documented rules, not that GitHub runs them: that part is verified
// only against the documentation above.

export type Value = null | boolean | number | string | readonly Value[] | { readonly [key: string]: Value };

export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
  cancelled(): boolean;
  always(): boolean;
}

export interface Context {
  readonly [name: string]: Value;
}

type Token =
  | { kind: 'num'; value: number }
  | { kind: 'str'; value: string }
  | { kind: 'id'; value: string }
  | { kind: 'op'; value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new Error(`unterminated string in: ${source}`);
        if (source[i] === "'") {
          if (source[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += source[i];
        i++;
      }
      tokens.push({ kind: 'str', value });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const match = /^-?(0x[0-9a-f]+|[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?)/i.exec(source.slice(i))!;
      tokens.push({ kind: 'num', value: Number(match[0]) });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i))!;
      tokens.push({ kind: 'id', value: match[0] });
      i += match[0].length;
    } else {
      const two = source.slice(i, i + 2);
      if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
        tokens.push({ kind: 'op', value: two });
        i += 2;
      } else if ('!<>()[].,*'.includes(c)) {
        tokens.push({ kind: 'op', value: c });
        i++;
      } else {
        throw new Error(`unexpected "${c}" in: ${source}`);
      }
    }
  }
  return tokens;
}

function toNumber(value: Value): number {
  if (value === null) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value.trim() === '') return 0;
    return /^\s*-?(0x[0-9a-f]+|[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?)\s*$/i.test(value) ? Number(value) : NaN;
  }
  return NaN;
}

export function truthy(value: Value): boolean {
  return !(value === false || value === null || value === 0 || value === '' || Number.isNaN(value));
}

function toText(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  throw new Error('arrays and objects are not converted to strings');
}

function looseEquals(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (a === null && b === null) return true;
  if (typeof a === typeof b && typeof a !== 'object') return a === b;
  if (typeof a === 'object' || typeof b === 'object') return a === b;
  return toNumber(a) === toNumber(b);
}

class Parser {
  private position = 0;
  private readonly tokens: Token[];
  private readonly context: Context;
  private readonly status: StatusFunctions;

  constructor(source: string, context: Context, status: StatusFunctions) {
    this.tokens = tokenize(source);
    this.context = context;
    this.status = status;
  }

  parse(): Value {
    const value = this.or();
    if (this.position !== this.tokens.length) throw new Error(`unexpected ${JSON.stringify(this.peek())}`);
    return value;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private takeOp(op: string): boolean {
    const token = this.peek();
    if (token?.kind === 'op' && token.value === op) {
      this.position++;
      return true;
    }
    return false;
  }

  private expectOp(op: string): void {
    if (!this.takeOp(op)) throw new Error(`expected "${op}", got ${JSON.stringify(this.peek())}`);
  }

  private or(): Value {
    let left = this.and();
    while (this.takeOp('||')) {
      const right = this.and();
      left = truthy(left) ? left : right;
    }
    return left;
  }

  private and(): Value {
    let left = this.comparison();
    while (this.takeOp('&&')) {
      const right = this.comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }

  private comparison(): Value {
    let left = this.unary();
    for (;;) {
      const token = this.peek();
      if (token?.kind !== 'op' || !['==', '!=', '<', '>', '<=', '>='].includes(token.value)) return left;
      this.position++;
      const right = this.unary();
      if (token.value === '==') left = looseEquals(left, right);
      else if (token.value === '!=') left = !looseEquals(left, right);
      else {
        const [a, b] = [toNumber(left), toNumber(right)];
        left = { '<': a < b, '>': a > b, '<=': a <= b, '>=': a >= b }[token.value]!;
      }
    }
  }

  private unary(): Value {
    if (this.takeOp('!')) return !truthy(this.unary());
    return this.postfix(this.primary());
  }

  private postfix(value: Value): Value {
    for (;;) {
      if (this.takeOp('.')) {
        const token = this.tokens[this.position++];
        if (token?.kind !== 'id') throw new Error('expected a property name after "."');
        value = property(value, token.value);
      } else if (this.takeOp('[')) {
        const key = this.or();
        this.expectOp(']');
        value = typeof key === 'number' && Array.isArray(value) ? (value[key] ?? null) : property(value, toText(key));
      } else {
        return value;
      }
    }
  }

  private primary(): Value {
    const token = this.tokens[this.position++];
    if (!token) throw new Error('unexpected end of expression');
    if (token.kind === 'num' || token.kind === 'str') return token.value;
    if (token.kind === 'op' && token.value === '(') {
      const value = this.or();
      this.expectOp(')');
      return value;
    }
    if (token.kind !== 'id') throw new Error(`unexpected ${JSON.stringify(token)}`);
    if (token.value === 'true') return true;
    if (token.value === 'false') return false;
    if (token.value === 'null') return null;
    if (this.takeOp('(')) return this.call(token.value);
    if (!(token.value in this.context)) throw new Error(`unknown context "${token.value}"`);
    return this.context[token.value]!;
  }

  private call(name: string): Value {
    const args: Value[] = [];
    if (!this.takeOp(')')) {
      do args.push(this.or());
      while (this.takeOp(','));
      this.expectOp(')');
    }
    switch (name) {
      case 'success':
      case 'failure':
      case 'cancelled':
      case 'always':
        return this.status[name]();
      case 'format':
        return toText(args[0] ?? null).replace(/\{\{|\}\}|\{(\d+)\}/g, (match, index?: string) =>
          match === '{{' ? '{' : match === '}}' ? '}' : toText(args[Number(index) + 1] ?? null),
        );
      case 'contains': {
        const [search, item] = [args[0] ?? null, args[1] ?? null];
        if (Array.isArray(search)) return search.some((element: Value) => looseEquals(element, item));
        return toText(search).toLowerCase().includes(toText(item).toLowerCase());
      }
      case 'startsWith':
        return toText(args[0] ?? null)
          .toLowerCase()
          .startsWith(toText(args[1] ?? null).toLowerCase());
      case 'endsWith':
        return toText(args[0] ?? null)
          .toLowerCase()
          .endsWith(toText(args[1] ?? null).toLowerCase());
      case 'fromJSON':
        return JSON.parse(toText(args[0] ?? null)) as Value;
      default:
        throw new Error(`function ${name}() is not supported by this evaluator`);
    }
  }
}

function property(value: Value, name: string): Value {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return (value as { readonly [key: string]: Value })[name] ?? null;
}

/** Evaluates one expression; `${{ }}` around it is optional, as in `if:`. */
export function evaluate(expression: string, context: Context, status?: Partial<StatusFunctions>): Value {
  const inner = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(expression)?.[1] ?? expression;
  const statusFunctions: StatusFunctions = {
    success: () => true,
    failure: () => false,
    cancelled: () => false,
    always: () => true,
    ...status,
  };
  return new Parser(inner, context, statusFunctions).parse();
}

/** Whether an `if:` lets its job or step run: a condition without a status function gets `success() &&`. */
export function conditionHolds(condition: string | undefined, context: Context, status: StatusFunctions): boolean {
  if (condition === undefined) return status.success();
  const usesStatus = /\b(success|failure|cancelled|always)\s*\(/.test(condition);
  const value = truthy(evaluate(condition, context, status));
  return usesStatus ? value : status.success() && value;
}
