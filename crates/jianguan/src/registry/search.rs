//! Full-text search over market entities: a tantivy index in the data
//! folder, Chinese words cut by jieba in search mode, plus character bigrams
//! of names so that any fragment of a name matches. Region, industry, type
//! and status are exact-term filters, not scored text.
//!
//! The index is a cache of the database. It follows the audit chain: every
//! change to entities writes an audit entry naming the codes it touched, and
//! [`SearchIndex::catch_up`] re-indexes those codes from the database,
//! remembering the last audit sequence number it processed in the index's
//! commit payload. So any writer (the server, `jianguan import`, the demo
//! loader, another server process) is seen, and `jianguan search reindex`
//! rebuilds the whole index from the database.

use anyhow::Context as _;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, OwnedValue, STORED, STRING, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{NgramTokenizer, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::model::Entity;
use super::store::{self, EntityFilter};
use crate::on_db;
use crate::platform::db::Db;
use jianguan_rules::access::DataScope;

const JIEBA: &str = "jieba";
const BIGRAM: &str = "bigram";
/// Audit actions whose payload names changed entities.
const ENTITY_ACTIONS: &[&str] = &["entity.create", "entity.update", "entity.batch_upsert"];

struct Fields {
    uscc: Field,
    name: Field,
    name_bigram: Field,
    former: Field,
    legal_rep: Field,
    address: Field,
    region: Field,
    industry: Field,
    entity_type: Field,
    status: Field,
}

/// The entity index and its writer.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(JIEBA)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let bigrams = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(BIGRAM)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let f = Fields {
        uscc: b.add_text_field("uscc", STRING | STORED),
        name: b.add_text_field("name", words.clone()),
        name_bigram: b.add_text_field("name_bigram", bigrams),
        former: b.add_text_field("former_names", words.clone()),
        legal_rep: b.add_text_field("legal_rep", words.clone()),
        address: b.add_text_field("address", words),
        region: b.add_text_field("region", STRING),
        industry: b.add_text_field("industry", STRING),
        entity_type: b.add_text_field("entity_type", STRING),
        status: b.add_text_field("status", STRING),
    };
    (b.build(), f)
}

fn register_tokenizers(index: &Index) -> anyhow::Result<()> {
    index.tokenizers().register(JIEBA, tantivy_jieba::JiebaTokenizer::new());
    let ngram = NgramTokenizer::new(2, 2, false).context("bigram tokenizer")?;
    index
        .tokenizers()
        .register(BIGRAM, TextAnalyzer::builder(ngram).build());
    Ok(())
}

/// Every code a division covers or lies in: province, city, county.
fn region_terms(division: &str) -> Vec<String> {
    let mut out = vec![division.to_string()];
    let mut cur = jianguan_rules::DivisionCode::parse(division).ok();
    while let Some(c) = cur.and_then(|c| c.parent()) {
        out.push(c.to_string());
        cur = Some(c);
    }
    out
}

fn industry_terms(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = jianguan_rules::IndustryCode::parse(code).ok();
    while let Some(c) = cur {
        out.push(c.to_string());
        cur = c.parent();
    }
    out
}

impl SearchIndex {
    /// Open the index in `dir`, creating it when absent.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let (schema, f) = schema();
        let mmap = tantivy::directory::MmapDirectory::open(dir).context("cannot open the search index folder")?;
        let index = Index::open_or_create(mmap, schema).context("cannot open the search index")?;
        register_tokenizers(&index)?;
        let writer = index
            .writer(64 * 1024 * 1024)
            .context("the search index is in use by another process")?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            f,
        })
    }

    fn document(&self, e: &Entity) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        d.add_text(self.f.uscc, &e.uscc);
        d.add_text(self.f.name, &e.name);
        d.add_text(self.f.name_bigram, &e.name);
        for n in &e.former_names {
            d.add_text(self.f.former, n);
            d.add_text(self.f.name_bigram, n);
        }
        d.add_text(self.f.legal_rep, &e.legal_rep);
        d.add_text(self.f.address, &e.address);
        for r in region_terms(&e.division_code) {
            d.add_text(self.f.region, &r);
        }
        if let Some(i) = &e.industry_code {
            for t in industry_terms(i) {
                d.add_text(self.f.industry, &t);
            }
        }
        d.add_text(self.f.entity_type, e.entity_type.as_str());
        d.add_text(self.f.status, e.status.as_str());
        d
    }

    /// The audit sequence number the index has caught up to.
    pub fn cursor(&self) -> i64 {
        self.index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Re-index the given codes from the database (deleted codes vanish).
    async fn refresh(&self, db: &Db, codes: &[String]) -> anyhow::Result<()> {
        for chunk in codes.chunks(500) {
            let entities = store::get_many(db, chunk).await?;
            let w = self.writer();
            for c in chunk {
                w.delete_term(Term::from_field_text(self.f.uscc, c));
            }
            for e in &entities {
                w.add_document(self.document(e))?;
            }
        }
        Ok(())
    }

    fn commit(&self, cursor: i64) -> anyhow::Result<()> {
        let mut w = self.writer();
        let mut prepared = w.prepare_commit()?;
        prepared.set_payload(&cursor.to_string());
        prepared.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(())
    }

    /// Index every entity change recorded in the audit chain since the
    /// cursor. Returns how many audit entries were processed.
    pub async fn catch_up(&self, db: &Db) -> anyhow::Result<i64> {
        let from = self.cursor();
        let (head, _) = crate::audit::store::head(db).await?;
        if head <= from {
            return Ok(0);
        }
        let mut last = from;
        while last < head {
            let rows: Vec<(i64, String, String)> = on_db!(db, pool => {
                sqlx::query_as(
                    "select seq, action, payload from audit_log where seq > $1 and seq <= $2 order by seq limit 200",
                )
                .bind(last)
                .bind(head)
                .fetch_all(pool)
                .await?
            });
            if rows.is_empty() {
                break;
            }
            let mut codes = BTreeSet::new();
            for (seq, action, payload) in &rows {
                last = *seq;
                if !ENTITY_ACTIONS.contains(&action.as_str()) {
                    continue;
                }
                let p: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
                if let Some(c) = p["entity"]["uscc"].as_str() {
                    codes.insert(c.to_string());
                }
                for key in ["inserted", "updated"] {
                    for c in p[key].as_array().into_iter().flatten().filter_map(|v| v.as_str()) {
                        codes.insert(c.to_string());
                    }
                }
            }
            let codes: Vec<String> = codes.into_iter().collect();
            self.refresh(db, &codes).await?;
        }
        self.commit(head)?;
        Ok(head - from)
    }

    /// Rebuild from the database: every entity, then the cursor at the head.
    pub async fn reindex(&self, db: &Db, mut progress: impl FnMut(u64)) -> anyhow::Result<u64> {
        let (head, _) = crate::audit::store::head(db).await?;
        self.writer().delete_all_documents()?;
        let mut last = String::new();
        let mut n = 0u64;
        loop {
            let sql = format!(
                "select {} from entities where uscc > $1 order by uscc limit 5000",
                store::COLUMNS
            );
            let page = store::fetch_page(db, &sql, &last).await?;
            let Some(tail) = page.last() else { break };
            last = tail.uscc.clone();
            {
                let w = self.writer();
                for e in &page {
                    w.add_document(self.document(e))?;
                }
            }
            n += page.len() as u64;
            progress(n);
        }
        self.commit(head)?;
        Ok(n)
    }

    fn text_query(&self, q: &str) -> Option<Box<dyn Query>> {
        let q = q.trim();
        if q.is_empty() {
            return None;
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // A code, whole or typed in part from its start.
        if q.len() <= 18 && q.chars().all(|c| c.is_ascii_alphanumeric()) {
            let up = q.to_ascii_uppercase();
            should.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.f.uscc, &up),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        // Words, in any of the text fields; every word must match.
        let mut parser = QueryParser::for_index(
            &self.index,
            vec![self.f.name, self.f.former, self.f.legal_rep, self.f.address],
        );
        parser.set_conjunction_by_default();
        parser.set_field_boost(self.f.name, 3.0);
        let cleaned: String = q.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
        if let Ok(words) = parser.parse_query(&cleaned) {
            should.push((Occur::Should, words));
        }
        // Any fragment of a name: all of its character bigrams. (The n-gram
        // tokenizer records no positions, so this is a conjunction rather
        // than a phrase; with two-character grams it is near-exact.)
        let chars: Vec<char> = q.chars().filter(|c| !c.is_whitespace()).collect();
        if chars.len() >= 2 {
            let grams: Vec<(Occur, Box<dyn Query>)> = chars
                .windows(2)
                .map(|w| {
                    let t = Term::from_field_text(self.f.name_bigram, &w.iter().collect::<String>());
                    (
                        Occur::Must,
                        Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)) as Box<dyn Query>,
                    )
                })
                .collect();
            should.push((
                Occur::Should,
                Box::new(tantivy::query::BoostQuery::new(Box::new(BooleanQuery::new(grams)), 2.0)),
            ));
        }
        Some(Box::new(BooleanQuery::new(should)))
    }

    fn filter(field: Field, value: &str) -> (Occur, Box<dyn Query>) {
        let t = TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic);
        (Occur::Must, Box::new(ConstScoreQuery::new(Box::new(t), 0.0)))
    }

    /// Codes of matching entities in relevance order, and the total count.
    pub fn search(&self, f: &EntityFilter, scope: &DataScope) -> anyhow::Result<(Vec<String>, i64)> {
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(q) = f.q.as_deref().and_then(|q| self.text_query(q)) {
            must.push((Occur::Must, q));
        }
        match scope {
            DataScope::All => {}
            DataScope::Region(d) => must.push(Self::filter(self.f.region, d.as_str())),
            DataScope::None => return Ok((Vec::new(), 0)),
        }
        let nonempty = |o: &Option<String>| {
            o.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        if let Some(d) = nonempty(&f.division) {
            must.push(Self::filter(self.f.region, &d));
        }
        if let Some(i) = nonempty(&f.industry) {
            must.push(Self::filter(self.f.industry, &i.to_ascii_uppercase()));
        }
        if let Some(t) = nonempty(&f.entity_type) {
            let t = super::model::EntityType::parse(&t)
                .map(|x| x.as_str().to_string())
                .unwrap_or(t);
            must.push(Self::filter(self.f.entity_type, &t));
        }
        if let Some(s) = nonempty(&f.status) {
            let s = super::model::EntityStatus::parse(&s)
                .map(|x| x.as_str().to_string())
                .unwrap_or(s);
            must.push(Self::filter(self.f.status, &s));
        }
        if must.is_empty() {
            must.push((Occur::Must, Box::new(tantivy::query::AllQuery)));
        }
        let query = BooleanQuery::new(must);
        let searcher = self.reader.searcher();
        let offset = ((f.page() - 1) * f.per_page()) as usize;
        let top = TopDocs::with_limit(f.per_page() as usize)
            .and_offset(offset)
            .order_by_score();
        let (hits, total) = searcher.search(&query, &(top, Count))?;
        let mut codes = Vec::with_capacity(hits.len());
        for (_, addr) in hits {
            let doc: TantivyDocument = searcher.doc(addr)?;
            if let Some(OwnedValue::Str(s)) = doc.get_first(self.f.uscc).map(OwnedValue::from) {
                codes.push(s);
            }
        }
        Ok((codes, total as i64))
    }
}

/// The search index as a part of the application state
/// (`AppState::part`); absent when it could not be opened (a second server
/// on the same data folder searches with SQL instead).
#[derive(Clone)]
pub struct Shared(pub std::sync::Arc<SearchIndex>);

impl Shared {
    /// Open the index of a data folder, or none (logged).
    pub fn open(data_dir: &std::path::Path) -> Option<Self> {
        match SearchIndex::open(&data_dir.join("search").join("entities")) {
            Ok(s) => Some(Shared(std::sync::Arc::new(s))),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "search index unavailable; searching with SQL");
                None
            }
        }
    }
}
