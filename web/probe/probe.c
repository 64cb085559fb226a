/*
 * probe: the smallest program that uses every library of the web build the way the
 * app will, so that web/deps.sh, the cross file, the shell and the browser harness can
 * be proved before the app is ported.
 *
 * It draws, on a light background, a rectangle in one of three colours and a line of
 * DejaVu Sans that names the colour and the renderer. Any key but S, a click on the
 * rectangle or a turn of the wheel down moves to the next colour (the wheel up, back);
 * S encodes the frame as a PNG with libpng (and zlib) and hands it to the browser as a
 * download. A small dark square follows the mouse. The colours and the label come from a
 * JSON string read with cJSON.
 *
 * Like the app it runs from emscripten_set_main_loop (no ASYNCIFY): main() sets
 * everything up and returns into the browser; frame() runs once per animation frame.
 *
 * argv (the shell turns ?arg=... into it): --renderer=NAME sets SDL_HINT_RENDER_DRIVER
 * (opengles2 or software).
 */
#include <SDL.h>
#include <SDL_ttf.h>
#include <cJSON.h>
#include <emscripten.h>
#include <png.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* web/library.js: hands bytes to the browser as a file download */
void web_offer_download(const unsigned char *bytes, int len, const char *name, const char *mime);

#define FONT_PATH "/fonts/DejaVuSans.ttf"     /* where --preload-file puts it */
#define MAX_COLOURS 8

/* layout in CSS pixels; the tests look for the rectangle here */
static const SDL_Rect rect_css = {40, 40, 240, 160};
static const int text_x_css = 40, text_y_css = 224, text_pt = 18;
static const int marker_css = 9;

/* Okabe-Ito colours: distinguishable with the common colour-vision deficiencies */
static const char config_json[] =
    "{ \"label\": \"maskscope web probe\","
    "  \"colours\": [ {\"name\": \"orange\", \"rgb\": [230, 159, 0]},"
    "                 {\"name\": \"sky blue\", \"rgb\": [86, 180, 233]},"
    "                 {\"name\": \"bluish green\", \"rgb\": [0, 158, 115]} ] }";

typedef struct {
    char name[32];
    SDL_Color rgb;
} Colour;

typedef struct {
    SDL_Window *window;
    SDL_Renderer *renderer;
    TTF_Font *font;
    SDL_Texture *text;          /* the label, rendered again only when it changes */
    float scale;                /* drawing pixels per CSS pixel */
    char label[64];
    char renderer_name[32];
    Colour colours[MAX_COLOURS];
    int n_colours, colour;
    bool text_stale, save_requested, mouse_seen;
    int mouse_x, mouse_y;       /* CSS pixels, as SDL reports them */
    unsigned saves;
} Probe;

static bool read_config(Probe *p)
{
    bool ok = false;
    cJSON *root = cJSON_Parse(config_json);
    if (!root)
        goto fail;
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(root, "label");
    const cJSON *colours = cJSON_GetObjectItemCaseSensitive(root, "colours");
    if (!cJSON_IsString(label) || !cJSON_IsArray(colours))
        goto fail;
    snprintf(p->label, sizeof p->label, "%s", label->valuestring);
    const cJSON *c;
    cJSON_ArrayForEach(c, colours) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
        const cJSON *rgb = cJSON_GetObjectItemCaseSensitive(c, "rgb");
        if (p->n_colours == MAX_COLOURS || !cJSON_IsString(name) || cJSON_GetArraySize(rgb) != 3)
            goto fail;
        Colour *out = &p->colours[p->n_colours++];
        snprintf(out->name, sizeof out->name, "%s", name->valuestring);
        out->rgb = (SDL_Color){(Uint8)cJSON_GetArrayItem(rgb, 0)->valueint,
                               (Uint8)cJSON_GetArrayItem(rgb, 1)->valueint,
                               (Uint8)cJSON_GetArrayItem(rgb, 2)->valueint, 255};
    }
    ok = p->n_colours > 0;
fail:
    cJSON_Delete(root);
    return ok;
}

/* the window's size in CSS pixels against the renderer's in drawing-buffer pixels */
static float current_scale(const Probe *p)
{
    int w_css = 0, h_css = 0, w_px = 0, h_px = 0;
    SDL_GetWindowSize(p->window, &w_css, &h_css);
    SDL_GetRendererOutputSize(p->renderer, &w_px, &h_px);
    return w_css > 0 ? (float)w_px / (float)w_css : 1.0f;
}

/* (re)open the font at the size the scale asks for, and mark the label for redrawing */
static bool fit_to_scale(Probe *p)
{
    float scale = current_scale(p);
    if (p->font && scale == p->scale)
        return true;
    TTF_Font *font = TTF_OpenFont(FONT_PATH, (int)(text_pt * scale + 0.5f));
    if (!font) {
        fprintf(stderr, "probe: %s: %s\n", FONT_PATH, TTF_GetError());
        return false;
    }
    if (p->font)
        TTF_CloseFont(p->font);
    p->font = font;
    p->scale = scale;
    p->text_stale = true;
    return true;
}

static void render_label(Probe *p)
{
    char line[160];
    SDL_Color ink = {34, 34, 34, 255};
    snprintf(line, sizeof line, "%s: %s, %s, %u saved", p->label, p->colours[p->colour].name,
             p->renderer_name, p->saves);
    SDL_Surface *s = TTF_RenderUTF8_Blended(p->font, line, ink);
    if (!s)
        return;
    SDL_DestroyTexture(p->text);
    p->text = SDL_CreateTextureFromSurface(p->renderer, s);
    SDL_FreeSurface(s);
    p->text_stale = false;
}

static SDL_Rect scaled(SDL_Rect r, float scale)
{
    return (SDL_Rect){(int)(r.x * scale), (int)(r.y * scale), (int)(r.w * scale), (int)(r.h * scale)};
}

/* libpng writes into a growing buffer instead of a FILE */
typedef struct {
    unsigned char *bytes;
    size_t len, cap;
} Buffer;

static void buffer_write(png_structp png, png_bytep data, png_size_t len)
{
    Buffer *b = png_get_io_ptr(png);
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len)
            cap *= 2;
        unsigned char *bytes = realloc(b->bytes, cap);
        if (!bytes)
            png_error(png, "out of memory");
        b->bytes = bytes;
        b->cap = cap;
    }
    memcpy(b->bytes + b->len, data, len);
    b->len += len;
}

static void buffer_flush(png_structp png)
{
    (void)png;
}

/* RGBA rows -> PNG bytes in *out (caller frees out->bytes) */
static bool encode_png(const unsigned char *rgba, int w, int h, int pitch, Buffer *out)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    bool ok = false;
    *out = (Buffer){0};
    if (!info)
        goto fail;
    if (setjmp(png_jmpbuf(png)))
        goto fail;
    png_set_write_fn(png, out, buffer_write, buffer_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB_ALPHA,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < h; y++)
        png_write_row(png, rgba + (size_t)y * (size_t)pitch);
    png_write_end(png, info);
    ok = true;
fail:
    png_destroy_write_struct(&png, &info);
    if (!ok) {
        free(out->bytes);
        *out = (Buffer){0};
    }
    return ok;
}

/* read the frame just drawn (before it is presented) and offer it as probe-N.png */
static void save_frame(Probe *p)
{
    int w = 0, h = 0;
    SDL_GetRendererOutputSize(p->renderer, &w, &h);
    int pitch = w * 4;
    unsigned char *rgba = malloc((size_t)pitch * (size_t)h);
    Buffer png = {0};
    if (!rgba)
        goto fail;
    /* ABGR8888 is R, G, B, A in memory on little-endian wasm */
    if (SDL_RenderReadPixels(p->renderer, NULL, SDL_PIXELFORMAT_ABGR8888, rgba, pitch) != 0) {
        fprintf(stderr, "probe: read pixels: %s\n", SDL_GetError());
        goto fail;
    }
    if (!encode_png(rgba, w, h, pitch, &png))
        goto fail;
    p->saves++;
    p->text_stale = true;
    char name[32];
    snprintf(name, sizeof name, "probe-%u.png", p->saves);
    web_offer_download(png.bytes, (int)png.len, name, "image/png");
    printf("probe: saved %s (%dx%d, %zu bytes)\n", name, w, h, png.len);
fail:
    free(png.bytes);
    free(rgba);
}

static void next_colour(Probe *p, int step)
{
    p->colour = ((p->colour + step) % p->n_colours + p->n_colours) % p->n_colours;
    p->text_stale = true;
}

static void handle_events(Probe *p)
{
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        switch (e.type) {
        case SDL_KEYDOWN:
            if (e.key.repeat)
                break;
            if (e.key.keysym.sym == SDLK_s)
                p->save_requested = true;
            else
                next_colour(p, 1);
            break;
        case SDL_MOUSEMOTION:
            p->mouse_seen = true;
            p->mouse_x = e.motion.x;
            p->mouse_y = e.motion.y;
            break;
        case SDL_MOUSEBUTTONDOWN: {
            SDL_Point at = {e.button.x, e.button.y};
            if (e.button.button == SDL_BUTTON_LEFT && SDL_PointInRect(&at, &rect_css))
                next_colour(p, 1);
            break;
        }
        case SDL_MOUSEWHEEL:
            /* preciseY, not y: SDL 2.26 makes a browser's 100-pixel wheel delta 1.0 and y
               its whole part, so the 50-pixel deltas of a 2x screen or a touchpad give 0 */
            if (e.wheel.preciseY != 0.0f)
                next_colour(p, e.wheel.preciseY < 0.0f ? 1 : -1);
            break;
        }
    }
}

static void frame(void *arg)
{
    Probe *p = arg;
    handle_events(p);
    if (!fit_to_scale(p)) {
        emscripten_cancel_main_loop();
        return;
    }
    if (p->text_stale)
        render_label(p);

    SDL_Color c = p->colours[p->colour].rgb;
    SDL_SetRenderDrawColor(p->renderer, 250, 250, 250, 255);
    SDL_RenderClear(p->renderer);
    SDL_SetRenderDrawColor(p->renderer, c.r, c.g, c.b, 255);
    SDL_Rect r = scaled(rect_css, p->scale);
    SDL_RenderFillRect(p->renderer, &r);
    if (p->text) {
        SDL_Rect dst = {(int)(text_x_css * p->scale), (int)(text_y_css * p->scale), 0, 0};
        SDL_QueryTexture(p->text, NULL, NULL, &dst.w, &dst.h);
        SDL_RenderCopy(p->renderer, p->text, NULL, &dst);
    }
    if (p->mouse_seen) {
        SDL_Rect m = {p->mouse_x - marker_css / 2, p->mouse_y - marker_css / 2, marker_css, marker_css};
        m = scaled(m, p->scale);
        SDL_SetRenderDrawColor(p->renderer, 34, 34, 34, 255);
        SDL_RenderFillRect(p->renderer, &m);
    }
    if (p->save_requested) {
        p->save_requested = false;
        save_frame(p);
    }
    SDL_RenderPresent(p->renderer);
}

int main(int argc, char **argv)
{
    static Probe probe;
    Probe *p = &probe;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--renderer=", 11) == 0)
            SDL_SetHint(SDL_HINT_RENDER_DRIVER, argv[i] + 11);

    if (!read_config(p)) {
        fprintf(stderr, "probe: the built-in JSON does not parse\n");
        return 1;
    }
    if (SDL_Init(SDL_INIT_VIDEO) != 0 || TTF_Init() != 0) {
        fprintf(stderr, "probe: init: %s\n", SDL_GetError());
        return 1;
    }
    p->window = SDL_CreateWindow("maskscope probe", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                                 640, 400, SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    p->renderer = p->window ? SDL_CreateRenderer(p->window, -1, 0) : NULL;
    if (!p->renderer) {
        fprintf(stderr, "probe: window: %s\n", SDL_GetError());
        return 1;
    }
    SDL_RendererInfo info;
    SDL_GetRendererInfo(p->renderer, &info);
    snprintf(p->renderer_name, sizeof p->renderer_name, "%s", info.name);
    printf("probe: SDL %d.%d.%d, renderer %s, scale %.2f\n", SDL_MAJOR_VERSION, SDL_MINOR_VERSION,
           SDL_PATCHLEVEL, info.name, (double)current_scale(p));

    /* 0 fps: one call per requestAnimationFrame; 1: main() does not return here */
    emscripten_set_main_loop_arg(frame, p, 0, 1);
    return 0;
}
