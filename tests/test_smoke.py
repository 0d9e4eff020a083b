def test_catalogue_lists_published_course(client, make_session):
    s = make_session()
    page = client.get("/").get_data(as_text=True)
    assert s.course.title in page


def test_public_pages_render(client, make_session):
    s = make_session()
    for url in [
        "/sign-in",
        "/register",
        "/forgot-password",
        f"/courses/{s.course.slug}",
        f"/sessions/{s.id}",
        "/help/privacy",
    ]:
        assert client.get(url).status_code == 200, url
