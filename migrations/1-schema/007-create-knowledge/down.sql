drop table cortex_knowledge.bookmarks;
drop table cortex_knowledge.folders;
drop table cortex_knowledge.documents;
drop table cortex_knowledge.notes;
