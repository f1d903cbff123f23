package dev.internvl.spring.web;

import jakarta.servlet.MultipartConfigElement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.springframework.context.annotation.AnnotationConfigUtils;
import org.springframework.web.context.support.GenericWebApplicationContext;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.DelegatingWebMvcConfiguration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The endpoints in a real Tomcat on a loopback port, as an application mounts them (the filter, the API key
 * interceptor, the error advice, multipart limits of {@code maxRequestBytes}): for tests of what only a real
 * connection shows (a client that goes away, the bytes on the wire).
 */
final class LoopbackServer implements AutoCloseable {

    private final Tomcat tomcat;

    private LoopbackServer(Tomcat tomcat) {
        this.tomcat = tomcat;
    }

    /** Serves {@code controllers} with the filter and interceptor of {@code settings}. */
    static LoopbackServer start(ApiSettings settings, Object... controllers) {
        return start(0, settings, controllers);
    }

    /** Serves {@code controllers} on {@code port} (0: any free port). */
    static LoopbackServer start(int port, ApiSettings settings, Object... controllers) {
        GenericWebApplicationContext spring = new GenericWebApplicationContext();
        AnnotationConfigUtils.registerAnnotationConfigProcessors(spring);
        spring.registerBean(DelegatingWebMvcConfiguration.class);
        spring.registerBean(ApiErrorAdvice.class);
        spring.registerBean(WebMvcConfigurer.class, () -> new WebMvcConfigurer() {
            @Override
            public void addInterceptors(InterceptorRegistry registry) {
                ApiKeyInterceptor.register(registry, settings, JsonMapper.shared());
            }
        });
        for (Object c : controllers) {
            @SuppressWarnings("unchecked")
            Class<Object> type = (Class<Object>) c.getClass();
            spring.registerBean(type, () -> c);
        }
        Tomcat tomcat = new Tomcat();
        try {
            tomcat.setBaseDir(Files.createTempDirectory("internvl-tomcat").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        tomcat.setPort(port);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        Context context = tomcat.addContext("", null);
        Wrapper dispatcher = Tomcat.addServlet(context, "dispatcher", new DispatcherServlet(spring));
        dispatcher.setLoadOnStartup(1);
        dispatcher.setAsyncSupported(true);
        // the multipart limits, as Spring Boot sets them from spring.servlet.multipart.* (InternVL's defaults)
        dispatcher.setMultipartConfigElement(new MultipartConfigElement(null, settings.maxRequestBytes(),
                settings.maxRequestBytes(), 0));
        context.addServletMappingDecoded("/", "dispatcher");
        FilterDef filter = new FilterDef();
        filter.setFilterName("internvl");
        filter.setFilter(new InternVLApiFilter(settings));
        filter.setAsyncSupported("true");
        context.addFilterDef(filter);
        FilterMap map = new FilterMap();
        map.setFilterName("internvl");
        map.addURLPattern("/v1/*");
        context.addFilterMap(map);
        try {
            tomcat.start();
        } catch (LifecycleException e) {
            throw new IllegalStateException(e);
        }
        return new LoopbackServer(tomcat);
    }

    int port() {
        return tomcat.getConnector().getLocalPort();
    }

    private boolean closed;

    /**
     * Stops taking requests, as Spring Boot's graceful shutdown of Tomcat begins: new connections are refused, new
     * requests on kept-alive connections are held (and dropped unanswered when the server stops), requests already
     * being answered go on.
     */
    void stopAccepting() {
        tomcat.getConnector().pause();
        tomcat.getConnector().getProtocolHandler().closeServerSocketGraceful();
    }

    /** Stops the server; closing it again does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            throw new IllegalStateException(e);
        }
    }
}
