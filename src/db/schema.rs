//! One portable schema for both backends. Written by hand: `diesel print-schema` would give
//! SQLite's `Integer` for `INTEGER PRIMARY KEY`, while both backends store 64-bit ids.

diesel::table! {
    staff (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        must_change_password -> Bool,
        totp_secret -> Nullable<Text>,
        totp_last_step -> Nullable<BigInt>,
        active -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        session_epoch -> Integer,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        enrol_token_hash -> Nullable<Text>,
        enrol_expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    holders (id) {
        id -> BigInt,
        public_id -> Text,
        email -> Nullable<Text>,
        status -> Text,
        myna_link -> Text,
        last_contact_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        coupon_suspended -> Bool,
        withdrawn_at -> Nullable<Timestamp>,
        withdrawal_reason -> Nullable<Text>,
        deleted_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
        retention_purged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    handbooks (id) {
        id -> BigInt,
        holder_id -> BigInt,
        kind -> Text,
        status -> Text,
        channel -> Text,
        proxy -> Bool,
        submitted_at -> Timestamp,
        claimed_by -> Nullable<BigInt>,
        claim_expires_at -> Nullable<Timestamp>,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        supersedes_id -> Nullable<BigInt>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_kind -> Nullable<Text>,
        returned_at -> Nullable<Timestamp>,
        returned_source -> Nullable<Text>,
        face_image_id -> Nullable<BigInt>,
        face_box -> Nullable<Text>,
        face_key -> Nullable<Text>,
        myna_link -> Text,
        myna_verified_at -> Nullable<Timestamp>,
        held_at -> Nullable<Timestamp>,
        held_by -> Nullable<BigInt>,
        hold_reason -> Nullable<Text>,
        released_by -> Nullable<BigInt>,
        released_at -> Nullable<Timestamp>,
        uploaded_by -> Nullable<BigInt>,
        myna_absent_at -> Nullable<Timestamp>,
        retention_purged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    myna_deliveries (id) {
        id -> BigInt,
        request_id -> Text,
        holder_id -> BigInt,
        status -> Text,
        records -> Integer,
        received_at -> Timestamp,
    }
}

diesel::table! {
    myna_consents (id) {
        id -> BigInt,
        holder_id -> BigInt,
        delivery_id -> BigInt,
        purpose -> Text,
        granted_at -> Timestamp,
        valid_until -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        purged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    daily_tallies (kind, day) {
        kind -> Text,
        day -> Date,
        count -> BigInt,
    }
}

diesel::table! {
    card_reads (holder_id, day) {
        holder_id -> BigInt,
        day -> Date,
        reads -> BigInt,
    }
}

diesel::table! {
    myna_requests (id) {
        id -> BigInt,
        request_id -> Text,
        holder_id -> BigInt,
        mode -> Text,
        from_on -> Date,
        to_on -> Date,
        purpose -> Text,
        consent_granted_at -> Timestamp,
        consent_valid_until -> Timestamp,
        state -> Text,
        run_at -> Nullable<Timestamp>,
        wait_reason -> Nullable<Text>,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        version -> Integer,
    }
}

diesel::table! {
    myna_records (id) {
        id -> BigInt,
        consent_id -> BigInt,
        holder_id -> BigInt,
        handbook_id -> Nullable<BigInt>,
        kind -> Text,
        disability_category -> Nullable<Text>,
        grade -> Nullable<Text>,
        municipality -> Nullable<Text>,
        number -> Nullable<Text>,
        issued_on -> Nullable<Text>,
        renewed_on -> Nullable<Text>,
        expires_on -> Nullable<Text>,
        received_at -> Timestamp,
    }
}

diesel::table! {
    lost_device_attempts (id) {
        id -> BigInt,
        report_id -> BigInt,
        holder_id -> Nullable<BigInt>,
        attempted_at -> Timestamp,
        attempted_by -> BigInt,
        matched -> Bool,
    }
}

diesel::table! {
    handbook_fields (handbook_id) {
        handbook_id -> BigInt,
        name -> Text,
        name_kana -> Text,
        birth_date -> Date,
        disability_category -> Nullable<Text>,
        grade -> Text,
        fare_class -> Nullable<Text>,
        care -> Bool,
        municipality -> Text,
        number -> Text,
        issued_on -> Date,
        renewed_on -> Nullable<Date>,
        expires_on -> Nullable<Date>,
        recert_on -> Nullable<Date>,
        recert_month_only -> Bool,
        medical_number -> Nullable<Text>,
        name_key -> Text,
        kana_key -> Text,
        municipality_key -> Text,
        number_key -> Text,
        transcribed_by -> BigInt,
        transcribed_at -> Timestamp,
        handbook_name -> Nullable<Text>,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        last_seq -> BigInt,
        last_hash -> Text,
        checkpoints_since -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor_staff_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        reason -> Nullable<Text>,
        details -> Text,
        request_id -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
        key_id -> Nullable<Text>,
    }
}

diesel::table! {
    transcriptions (id) {
        id -> BigInt,
        handbook_id -> BigInt,
        version -> Integer,
        fields -> Text,
        saved_by -> BigInt,
        saved_at -> Timestamp,
    }
}

diesel::table! {
    decisions (id) {
        id -> BigInt,
        handbook_id -> BigInt,
        decision -> Text,
        decided_by -> BigInt,
        decided_at -> Timestamp,
        holder_message -> Text,
        internal_note -> Text,
        defect_codes -> Text,
        corrections -> Text,
    }
}

diesel::table! {
    defects (id) {
        id -> BigInt,
        handbook_id -> BigInt,
        decision_id -> BigInt,
        code -> Text,
        field -> Nullable<Text>,
        correctable -> Bool,
        before_value -> Nullable<Text>,
        after_value -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ocr_jobs (handbook_id) {
        handbook_id -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        lease_token -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    ocr_suggestions (handbook_id, field) {
        handbook_id -> BigInt,
        field -> Text,
        value -> Text,
        confidence -> Integer,
        page -> Nullable<Integer>,
        line -> Nullable<Integer>,
        box_x -> Nullable<Integer>,
        box_y -> Nullable<Integer>,
        box_w -> Nullable<Integer>,
        box_h -> Nullable<Integer>,
        outcome -> Nullable<Text>,
        outcome_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        holder_id -> BigInt,
        handbook_id -> Nullable<BigInt>,
        kind -> Text,
        recipient -> Nullable<Text>,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        lease_token -> Nullable<Text>,
        resend_of -> Nullable<BigInt>,
    }
}

diesel::table! {
    sanctions (id) {
        id -> BigInt,
        holder_id -> BigInt,
        handbook_id -> Nullable<BigInt>,
        action -> Text,
        article -> Text,
        note -> Text,
        state -> Text,
        requested_by -> Nullable<BigInt>,
        requested_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        effective_at -> Nullable<Timestamp>,
        without_notice -> Bool,
        decision_note -> Nullable<Text>,
        notification_id -> Nullable<BigInt>,
        terms_version -> Nullable<Text>,
    }
}

diesel::table! {
    disclosures (id) {
        id -> BigInt,
        holder_id -> BigInt,
        sanction_id -> Nullable<BigInt>,
        recipient -> Text,
        basis -> Text,
        disclosed -> Text,
        disclosed_by -> BigInt,
        disclosed_at -> Timestamp,
    }
}

diesel::table! {
    holder_consents (id) {
        id -> BigInt,
        holder_id -> BigInt,
        document -> Text,
        version -> Text,
        agreed_at -> Timestamp,
    }
}

diesel::table! {
    holder_suspensions (id) {
        id -> BigInt,
        holder_id -> BigInt,
        article -> Text,
        sanction_id -> Nullable<BigInt>,
        started_at -> Timestamp,
        lifted_at -> Nullable<Timestamp>,
        lifted_by -> Nullable<BigInt>,
        lift_reason -> Nullable<Text>,
    }
}

diesel::table! {
    handbook_counts (status, kind) {
        status -> Text,
        kind -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    lost_device_reports (id) {
        id -> BigInt,
        reference -> Text,
        channel -> Text,
        received_at -> Timestamp,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
        holder_id -> Nullable<BigInt>,
        challenge -> Text,
        failed_attempts -> Integer,
        verified_at -> Nullable<Timestamp>,
        suspended_at -> Nullable<Timestamp>,
        sanction_id -> Nullable<BigInt>,
        first_refused_at -> Nullable<Timestamp>,
        reinstated_at -> Nullable<Timestamp>,
        code_hash -> Nullable<Text>,
        code_expires_at -> Nullable<Timestamp>,
        locked_at -> Nullable<Timestamp>,
        unlocked_at -> Nullable<Timestamp>,
        unlocked_by -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
        reviewed_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    role_proposals (id) {
        id -> BigInt,
        staff_id -> BigInt,
        role -> Text,
        new_account -> Bool,
        proposed_by -> BigInt,
        proposed_at -> Timestamp,
        state -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attempt_budgets (scope, key, window_start) {
        scope -> Text,
        key -> Text,
        window_start -> Timestamp,
        used -> Integer,
    }
}

diesel::table! {
    document_versions (document, version) {
        document -> Text,
        version -> Text,
        in_force_from -> Date,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    card_token_reads (token, window_start, holder_id) {
        token -> Text,
        window_start -> Timestamp,
        holder_id -> BigInt,
    }
}

diesel::table! {
    withdrawal_proposals (id) {
        id -> BigInt,
        holder_id -> BigInt,
        reason -> Text,
        note -> Text,
        related_holder_id -> Nullable<BigInt>,
        state -> Text,
        proposed_by -> BigInt,
        proposed_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
    }
}

diesel::joinable!(handbooks -> holders (holder_id));
diesel::joinable!(card_reads -> holders (holder_id));
diesel::joinable!(handbook_fields -> handbooks (handbook_id));
diesel::joinable!(transcriptions -> handbooks (handbook_id));
diesel::joinable!(decisions -> handbooks (handbook_id));
diesel::joinable!(audit_events -> staff (actor_staff_id));

diesel::table! {
    holder_requests (id) {
        id -> BigInt,
        reference -> Text,
        holder_id -> BigInt,
        kind -> Text,
        channel -> Text,
        detail -> Text,
        state -> Text,
        received_at -> Timestamp,
        received_by -> Nullable<BigInt>,
        due_on -> Date,
        verified_how -> Nullable<Text>,
        verification_note -> Nullable<Text>,
        verified_by -> Nullable<BigInt>,
        verified_at -> Nullable<Timestamp>,
        disclosure_produced_at -> Nullable<Timestamp>,
        disclosure_produced_by -> Nullable<BigInt>,
        answer_note -> Nullable<Text>,
        answered_by -> Nullable<BigInt>,
        answered_at -> Nullable<Timestamp>,
        version -> Integer,
    }
}

diesel::table! {
    record_corrections (id) {
        id -> BigInt,
        handbook_id -> BigInt,
        holder_id -> BigInt,
        request_id -> Nullable<BigInt>,
        base_version -> Integer,
        proposed -> Text,
        changes -> Text,
        reason -> Text,
        evidence -> Text,
        evidence_image_id -> Nullable<BigInt>,
        state -> Text,
        proposed_by -> BigInt,
        proposed_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
    }
}

diesel::table! {
    legal_holds (id) {
        id -> BigInt,
        holder_id -> BigInt,
        reason -> Text,
        placed_by -> BigInt,
        placed_at -> Timestamp,
        lifted_by -> Nullable<BigInt>,
        lifted_at -> Nullable<Timestamp>,
        lift_note -> Nullable<Text>,
    }
}

diesel::table! {
    support_contacts (id) {
        id -> BigInt,
        reference -> Text,
        holder_id -> BigInt,
        channel -> Text,
        topic -> Text,
        note -> Text,
        restricted -> Bool,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    email_change_proposals (id) {
        id -> BigInt,
        holder_id -> BigInt,
        new_email -> Nullable<Text>,
        note -> Text,
        state -> Text,
        proposed_by -> BigInt,
        proposed_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    handbook_images (id) {
        id -> BigInt,
        handbook_id -> BigInt,
        page -> Integer,
        page_role -> Nullable<Text>,
        storage_key -> Text,
        thumb_key -> Text,
        key_id -> Text,
        original_sha256 -> Text,
        original_bytes -> BigInt,
        original_mime -> Text,
        stored_bytes -> BigInt,
        width -> Integer,
        height -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    photo_access_grants (id) {
        id -> BigInt,
        staff_id -> BigInt,
        handbook_id -> BigInt,
        reason -> Text,
        granted_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(handbook_images -> handbooks (handbook_id));
diesel::joinable!(photo_access_grants -> handbooks (handbook_id));
diesel::joinable!(sanctions -> holders (holder_id));
diesel::joinable!(holder_suspensions -> holders (holder_id));
diesel::joinable!(holder_requests -> holders (holder_id));
diesel::joinable!(lost_device_reports -> holders (holder_id));
diesel::joinable!(myna_records -> myna_consents (consent_id));
diesel::joinable!(myna_requests -> holders (holder_id));
diesel::allow_tables_to_appear_in_same_query!(
    staff,
    holders,
    handbooks,
    handbook_fields,
    handbook_images,
    photo_access_grants,
    audit_head,
    audit_events,
    transcriptions,
    decisions,
    defects,
    notifications,
    sanctions,
    handbook_counts,
    holder_suspensions,
    lost_device_reports,
    holder_consents,
    disclosures,
    lost_device_attempts,
    myna_deliveries,
    myna_consents,
    myna_records,
    myna_requests,
    daily_tallies,
    card_reads,
    ocr_jobs,
    ocr_suggestions,
    withdrawal_proposals,
    card_token_reads,
    role_proposals,
    attempt_budgets,
    document_versions,
    holder_requests,
    record_corrections,
    legal_holds,
    support_contacts,
    email_change_proposals,
);
