// Starts glass-lsp over stdio for .glass files.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("glass").get("server.path", "glass-lsp");
  const server = { command, transport: TransportKind.stdio };
  client = new LanguageClient(
    "glass",
    "glass language server",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "glass" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
