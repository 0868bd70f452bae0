delete from cortex_communication.channel_entity_links where channel_type = 'whatsapp' and relationship_type = 'contact_of';
