//! The server state: one compiler database holding the workspace's files and the open documents.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use glass_compiler::db::{Database, SourceFile, Workspace, file_diagnostics};
use glass_compiler::ide;
use salsa::Setter;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::convert::{self, LineIndex};

pub struct Backend {
    client: Client,
    state: Mutex<State>,
}

struct State {
    db: Database,
    ws: Workspace,
    files: HashMap<String, SourceFile>,
    /// Open documents and the diagnostics last published for each.
    open: HashMap<String, Vec<Diagnostic>>,
}

impl State {
    fn diagnostics(&self, file: SourceFile) -> Vec<Diagnostic> {
        let text = file.text(&self.db);
        let Ok(uri) = file.path(&self.db).parse::<Uri>() else { return Vec::new() };
        let index = LineIndex::new(text);
        file_diagnostics(&self.db, self.ws, file).iter().map(|d| convert::diagnostic(&index, &uri, d)).collect()
    }

    fn file(&mut self, key: &str, text: String) -> SourceFile {
        if let Some(file) = self.files.get(key).copied() {
            // Setting an equal text would still start a new revision; skip it.
            if *file.text(&self.db) != text {
                file.set_text(&mut self.db).to(text);
            }
            return file;
        }
        let file = SourceFile::new(&self.db, key.into(), text);
        self.files.insert(key.to_string(), file);
        let all: Vec<SourceFile> = self.files.values().copied().collect();
        self.ws.set_files(&mut self.db).to(all);
        file
    }
}

impl Backend {
    pub fn new(client: Client) -> Self {
        let db = Database::default();
        let ws = Workspace::new(&db, Vec::new());
        Backend { client, state: Mutex::new(State { db, ws, files: HashMap::new(), open: HashMap::new() }) }
    }

    /// Updates a document and computes its diagnostics before any `.await`, so edits apply in
    /// order. Also returns the other open documents whose diagnostics changed with it (a pack
    /// whose profile was edited).
    fn update(&self, uri: &Uri, text: String) -> (Vec<Diagnostic>, Vec<(Uri, Vec<Diagnostic>)>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let key = uri.as_str().to_string();
        let file = state.file(&key, text);
        let own = state.diagnostics(file);
        state.open.insert(key.clone(), own.clone());
        let others: Vec<String> = state.open.keys().filter(|k| **k != key).cloned().collect();
        let mut changed = Vec::new();
        for other in others {
            let Some(file) = state.files.get(&other).copied() else { continue };
            let diags = state.diagnostics(file);
            if state.open.get(&other) != Some(&diags) {
                state.open.insert(other.clone(), diags.clone());
                if let Ok(uri) = other.parse::<Uri>() {
                    changed.push((uri, diags));
                }
            }
        }
        (own, changed)
    }

    async fn publish(&self, uri: Uri, version: i32, text: String) {
        let (own, others) = self.update(&uri, text);
        self.client.publish_diagnostics(uri, own, Some(version)).await;
        for (uri, diags) in others {
            self.client.publish_diagnostics(uri, diags, None).await;
        }
    }

    /// Loads every .glass file under the workspace folders, so packs see their profiles.
    fn load_folder(&self, root: &Path) {
        let mut paths = Vec::new();
        collect(root, &mut paths, 0);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        for path in paths {
            if let (Ok(text), Some(uri)) = (std::fs::read_to_string(&path), Uri::from_file_path(&path)) {
                state.file(uri.as_str(), text);
            }
        }
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.') || n == "target");
        if path.is_dir() && !hidden && depth < 8 {
            collect(&path, out, depth + 1);
        } else if path.extension().is_some_and(|e| e == "glass") {
            out.push(path);
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        for folder in params.workspace_folders.unwrap_or_default() {
            if let Some(path) = folder.uri.to_file_path() {
                self.load_folder(&path);
            }
        }
        Ok(InitializeResult {
            server_info: Some(ServerInfo { name: "glass-lsp".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
                semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
                    SemanticTokensOptions {
                        legend: convert::token_legend(),
                        full: Some(SemanticTokensFullOptions::Bool(true)),
                        ..Default::default()
                    },
                )),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![" ".into(), ",".into(), ":".into()]),
                    ..Default::default()
                }),
                ..ServerCapabilities::default()
            },
            ..Default::default()
        })
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.publish(doc.uri, doc.version, doc.text).await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(file) = state.files.get(at.text_document.uri.as_str()).copied() else { return Ok(None) };
        let index = LineIndex::new(file.text(&state.db));
        let offset = index.offset(at.position);
        Ok(ide::hover(&state.db, state.ws, file, offset).map(|(span, markdown)| Hover {
            contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: markdown }),
            range: Some(index.range(span)),
        }))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let at = params.text_document_position;
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(file) = state.files.get(at.text_document.uri.as_str()).copied() else { return Ok(None) };
        let offset = LineIndex::new(file.text(&state.db)).offset(at.position);
        let items = ide::completions(&state.db, state.ws, file, offset)
            .into_iter()
            .map(|c| CompletionItem {
                label: c.label,
                kind: Some(match c.kind {
                    ide::CompletionKind::Event => CompletionItemKind::EVENT,
                    ide::CompletionKind::State => CompletionItemKind::FIELD,
                    ide::CompletionKind::Action => CompletionItemKind::FUNCTION,
                    ide::CompletionKind::Variable => CompletionItemKind::VARIABLE,
                    ide::CompletionKind::Value => CompletionItemKind::ENUM_MEMBER,
                    ide::CompletionKind::Profile => CompletionItemKind::MODULE,
                    ide::CompletionKind::Permission => CompletionItemKind::CONSTANT,
                    ide::CompletionKind::Keyword => CompletionItemKind::KEYWORD,
                    ide::CompletionKind::Limit => CompletionItemKind::CONSTANT,
                    ide::CompletionKind::Parameter => CompletionItemKind::PROPERTY,
                }),
                detail: Some(c.detail),
                ..Default::default()
            })
            .collect();
        Ok(Some(CompletionResponse::Array(items)))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let at = params.text_document_position;
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(file) = state.files.get(at.text_document.uri.as_str()).copied() else { return Ok(None) };
        let index = LineIndex::new(file.text(&state.db));
        let offset = index.offset(at.position);
        let spans = ide::references(&state.db, state.ws, file, offset);
        let uri = at.text_document.uri;
        Ok(Some(spans.into_iter().map(|s| Location { uri: uri.clone(), range: index.range(s) }).collect()))
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let at = params.text_document_position;
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(file) = state.files.get(at.text_document.uri.as_str()).copied() else { return Ok(None) };
        let index = LineIndex::new(file.text(&state.db));
        let offset = index.offset(at.position);
        let edits = ide::rename(&state.db, state.ws, file, offset, &params.new_name).map_err(|e| {
            tower_lsp_server::jsonrpc::Error::invalid_params(match e {
                ide::RenameError::NotRenamable => "only rules and pack variables can be renamed here",
                ide::RenameError::InvalidName => {
                    "the new name must be a glass name (letters, digits, `_`, `-`), not a keyword"
                }
            })
        })?;
        let edits = edits.into_iter().map(|(span, new_text)| TextEdit { range: index.range(span), new_text }).collect();
        Ok(Some(WorkspaceEdit {
            changes: Some([(at.text_document.uri, edits)].into_iter().collect()),
            ..Default::default()
        }))
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(file) = state.files.get(params.text_document.uri.as_str()).copied() else { return Ok(None) };
        let index = LineIndex::new(file.text(&state.db));
        let symbols = ide::symbols(&state.db, file).iter().map(|s| convert::symbol(&index, s)).collect();
        Ok(Some(DocumentSymbolResponse::Nested(symbols)))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(file) = state.files.get(params.text_document.uri.as_str()).copied() else { return Ok(None) };
        let text = file.text(&state.db);
        // Files with syntax errors are left alone, as `glassc fmt` does.
        let Some(formatted) = glass_compiler::fmt::format_source(text) else { return Ok(None) };
        if formatted == *text {
            return Ok(Some(Vec::new()));
        }
        let whole = LineIndex::new(text).range(glass_compiler::span::Span::new(0, text.len() as u32));
        Ok(Some(vec![TextEdit { range: whole, new_text: formatted }]))
    }

    async fn semantic_tokens_full(&self, params: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(file) = state.files.get(params.text_document.uri.as_str()).copied() else { return Ok(None) };
        let index = LineIndex::new(file.text(&state.db));
        let tokens = ide::semantic_tokens(&state.db, state.ws, file);
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: None,
            data: convert::encode_tokens(&index, &tokens),
        })))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let uri = params.text_document.uri;
        let Some(file) = state.files.get(uri.as_str()).copied() else { return Ok(None) };
        let index = LineIndex::new(file.text(&state.db));
        let (start, end) = (index.offset(params.range.start), index.offset(params.range.end));
        let actions = ide::fixes(&state.db, state.ws, file, glass_compiler::span::Span::new(start, end))
            .into_iter()
            .map(|fix| {
                let edit = TextEdit { range: index.range(fix.span), new_text: fix.replacement };
                CodeActionOrCommand::CodeAction(CodeAction {
                    title: fix.title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    edit: Some(WorkspaceEdit {
                        changes: Some([(uri.clone(), vec![edit])].into_iter().collect()),
                        ..Default::default()
                    }),
                    is_preferred: Some(true),
                    ..Default::default()
                })
            })
            .collect();
        Ok(Some(actions))
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(file) = state.files.get(at.text_document.uri.as_str()).copied() else { return Ok(None) };
        let offset = LineIndex::new(file.text(&state.db)).offset(at.position);
        let Some(origin) = ide::definition(&state.db, state.ws, file, offset) else { return Ok(None) };
        let Some(target) = state.files.get(&*origin.file).copied() else { return Ok(None) };
        let Ok(uri) = origin.file.parse::<Uri>() else { return Ok(None) };
        let range = LineIndex::new(target.text(&state.db)).range(origin.span);
        Ok(Some(GotoDefinitionResponse::Scalar(Location { uri, range })))
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.open.remove(params.text_document.uri.as_str());
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        // Full sync: the last change holds the whole text.
        let Some(change) = params.content_changes.into_iter().last() else { return };
        self.publish(params.text_document.uri, params.text_document.version, change.text).await;
    }
}
