/**
 * Reads a property test's source (with the TypeScript parser) and lists the fast-check calls that
 * bypass the shared settings of `config.ts`: an `fc.assert` whose second argument is not
 * `params(...)` imported from `./config.js`, any `fc.check`, and any `fc.property` /
 * `fc.asyncProperty` that is not the first argument of an `fc.assert`. Also collects the names
 * handed to `params`, so that the test can match them against `RUNS`.
 */
import ts from 'typescript';

/** A `params(...)` argument: a literal name, or a template `head${...}tail` with one placeholder. */
export type ParamsName = { kind: 'literal'; name: string } | { kind: 'template'; head: string; tail: string } | { kind: 'other'; text: string };

/** What one file's scan found. */
export interface SettingsScan {
  /** Number of `fc.assert` calls. */
  readonly asserts: number;
  /** One line per call that bypasses the shared settings, with its line number. */
  readonly problems: string[];
  /** The argument of every `params(...)` given to an `fc.assert`. */
  readonly names: ParamsName[];
  /** Every string literal in the file (to resolve template names). */
  readonly literals: Set<string>;
}

/** `fc.<method>` as a call's callee. */
function fcMethod(call: ts.CallExpression): string | null {
  const callee = call.expression;
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'fc' ? callee.name.text : null;
}

/** Removes `as T`, `<T>x`, `x!` and parentheses around an expression. */
function unwrap(node: ts.Expression): ts.Expression {
  let e = node;
  while (ts.isAsExpression(e) || ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
  return e;
}

function nameOf(arg: ts.Expression, source: ts.SourceFile): ParamsName {
  const e = unwrap(arg);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return { kind: 'literal', name: e.text };
  if (ts.isTemplateExpression(e) && e.templateSpans.length === 1) return { kind: 'template', head: e.head.text, tail: e.templateSpans[0].literal.text };
  return { kind: 'other', text: e.getText(source) };
}

/** Whether the file imports the identifier `params` from `./config.js` (under that name). */
function importsSharedParams(source: ts.SourceFile): boolean {
  return source.statements.some((s) => ts.isImportDeclaration(s)
    && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text === './config.js'
    && s.importClause?.namedBindings !== undefined && ts.isNamedImports(s.importClause.namedBindings)
    && s.importClause.namedBindings.elements.some((el) => el.name.text === 'params' && (el.propertyName === undefined || el.propertyName.text === 'params')));
}

/** Scans one property test's source text; `fileName` only labels the problems. */
export function scanPropertySettings(fileName: string, text: string): SettingsScan {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const problems: string[] = [];
  const names: ParamsName[] = [];
  const literals = new Set<string>();
  const asserted = new Set<ts.Node>();
  let asserts = 0;
  const sharedParams = importsSharedParams(source);
  const where = (node: ts.Node): string => `${fileName}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;

  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) literals.add(node.text);
    if (ts.isCallExpression(node)) {
      const method = fcMethod(node);
      if (method === 'assert') {
        asserts++;
        const [property, settings, ...rest] = node.arguments;
        if (property !== undefined) asserted.add(unwrap(property));
        const call = settings === undefined ? undefined : unwrap(settings);
        if (call === undefined || rest.length > 0 || !ts.isCallExpression(call) || !ts.isIdentifier(call.expression) || call.expression.text !== 'params' || call.arguments.length !== 1) {
          problems.push(`${where(node)}: fc.assert settings are ${settings === undefined ? 'missing' : `'${settings.getText(source)}'`}${rest.length > 0 ? ' (with extra arguments)' : ''}, not params('<name>')`);
        } else if (!sharedParams) {
          problems.push(`${where(node)}: fc.assert uses a 'params' that is not imported from './config.js'`);
        } else {
          names.push(nameOf(call.arguments[0], source));
        }
      } else if (method === 'check') {
        problems.push(`${where(node)}: fc.check runs a property without failing the test; use fc.assert(..., params('<name>'))`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);

  // A property built but never asserted (or asserted through a variable) escapes the check above.
  const findProperties = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && (fcMethod(node) === 'property' || fcMethod(node) === 'asyncProperty') && !asserted.has(node)) {
      problems.push(`${where(node)}: fc.${fcMethod(node)} is not the first argument of an fc.assert`);
    }
    ts.forEachChild(node, findProperties);
  };
  findProperties(source);
  return { asserts, problems, names, literals };
}
