// Just enough typing for the GopherJS build of mvdan/sh: nodes are loose objects whose fields mirror the Go AST.
declare module "mvdan-sh" {
  export interface ShNode {
    readonly [field: string]: unknown;
  }
  export interface ShParser {
    Parse(src: string, name: string): ShNode;
  }
  export interface ShSyntax {
    NewParser(...options: unknown[]): ShParser;
    NodeType(node: unknown): string;
    Walk(node: ShNode, visit: (node: ShNode | null) => boolean): void;
    KeepComments(keep: boolean): unknown;
  }
  const sh: { syntax: ShSyntax };
  export default sh;
}
